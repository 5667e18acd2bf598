// The palette's "Sagas" group: the services of the seeds' order saga and its orchestrator.
#include "sagas.h"

namespace sb {

std::vector<NodeTemplate> sagaTemplates()
{
    return {
        {"saga-order-service", "Order service", "Sagas", "saga-participant",
         "CreateOrder, undone by CancelOrder: an order row of its own per saga.",
         Json{{"command", "CreateOrder"},
              {"compensation", "CancelOrder"},
              {"perSaga", true},
              {"amount", 1},
              {"initial", 1}}},
        {"saga-payment-service", "Payment service", "Sagas", "saga-participant",
         "ProcessPayment, undone by RefundPayment: charges a credit of 100, refuses beyond it.",
         Json{{"command", "ProcessPayment"}, {"compensation", "RefundPayment"}, {"initial", 100}}},
        {"saga-inventory-service", "Inventory service", "Sagas", "saga-participant",
         "ReserveInventory, undone by ReleaseInventory: refuses beyond a stock of 100.",
         Json{{"command", "ReserveInventory"}, {"compensation", "ReleaseInventory"}, {"initial", 100}}},
        {"saga-shipping-service", "Shipping service", "Sagas", "saga-participant",
         "ArrangeShipping, undone by CancelShipping.",
         Json{{"command", "ArrangeShipping"},
              {"compensation", "CancelShipping"},
              {"amount", 1},
              {"initial", 1000000}}},
        {"saga-order-orchestrator", "Order saga orchestrator", "Sagas", "saga-orchestrator",
         "The seeds' order saga over order-service, payment-service and inventory-service.", Json::object()},
    };
}

} // namespace sb
