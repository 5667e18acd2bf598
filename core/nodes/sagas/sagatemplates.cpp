// The palette's "Sagas" group: the services of the seeds' order saga and its orchestrator.
#include "sagas.h"

namespace sb {

std::vector<NodeTemplate> sagaTemplates()
{
    return {
        {"saga-order-service", "Order service", "Sagas", "saga-participant",
         "Creates an order row per saga (CreateOrder: 1 -> 0, compensated by CancelOrder); no other saga "
         "touches it.",
         Json{{"command", "CreateOrder"}, {"compensation", "CancelOrder"}, {"perSaga", true}, {"amount", 1},
              {"initial", 1}}},
        {"saga-payment-service", "Payment service", "Sagas", "saga-participant",
         "Charges the customer's credit (ProcessPayment, compensated by RefundPayment); refuses a payment "
         "beyond the credit.",
         Json{{"command", "ProcessPayment"}, {"compensation", "RefundPayment"}, {"initial", 100}}},
        {"saga-inventory-service", "Inventory service", "Sagas", "saga-participant",
         "Reserves stock (ReserveInventory, compensated by ReleaseInventory); refuses beyond the stock.",
         Json{{"command", "ReserveInventory"}, {"compensation", "ReleaseInventory"}, {"initial", 100}}},
        {"saga-shipping-service", "Shipping service", "Sagas", "saga-participant",
         "Arranges shipping (ArrangeShipping, compensated by CancelShipping).",
         Json{{"command", "ArrangeShipping"}, {"compensation", "CancelShipping"}, {"amount", 1},
              {"initial", 1000000}}},
        {"saga-order-orchestrator", "Order saga orchestrator", "Sagas", "saga-orchestrator",
         "The seeds' order saga: CreateOrder, ProcessPayment, ReserveInventory with their compensations, "
         "on services with ids order-service, payment-service, inventory-service.",
         Json::object()},
    };
}

} // namespace sb
