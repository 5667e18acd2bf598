// The built-in aggregate models (aggregatemodel.h). Money in bank-account is counted in whole
// currency units in commands and states; Deposited and Withdrawn v2 carry it in cents
// ("amountCents"), v1 in units ("amount"), and the v1 -> v2 upcaster multiplies by 100. Every
// new event carries its schema version in the "schema" header, so readers never guess.
#include "aggregatemodel.h"

#include "esprotocol.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace sb::es {

namespace {

std::int64_t parseInt(const std::string &text, std::int64_t otherwise)
{
    std::int64_t v = 0;
    const auto *end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    return ec == std::errc() && p == end ? v : otherwise;
}

std::string joined(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Shared by the models: the schema version a new event of `type` is written at, and its data
// starting with that version's header.
class ModelBase : public AggregateModel {
protected:
    std::uint32_t writeVersion(std::string_view type, const ModelOptions &o) const
    {
        const std::uint32_t current = currentVersion(type);
        return o.writeVersion == 0 ? current : std::min(o.writeVersion, current);
    }
    NewEvent event(std::string type, const ModelOptions &o, std::vector<Header> data = {}) const
    {
        NewEvent e;
        e.data.push_back({std::string(kSchemaHeader), std::to_string(writeVersion(type, o))});
        e.data.insert(e.data.end(), data.begin(), data.end());
        e.type = std::move(type);
        return e;
    }
    static Decision accept(NewEvent e)
    {
        Decision d;
        d.events.push_back(std::move(e));
        return d;
    }
    static Decision reject(std::string reason)
    {
        Decision d;
        d.rejected = std::move(reason);
        return d;
    }
    Decision unknownCommand(const Message &command) const
    {
        return reject("unknown command '" + command.routingKey + "' for model " + std::string(name()) +
                      " (known: " + joined(commandNames()) + ")");
    }
    // A command's "amount": a positive whole number, or the reason it is not.
    static std::optional<std::int64_t> positiveAmount(const Message &command, std::string &reason)
    {
        const std::string *text = command.header("amount");
        const std::int64_t amount = text ? parseInt(*text, 0) : 0;
        if (amount > 0) return amount;
        reason = command.routingKey + " needs a positive whole 'amount', got " +
                 (text ? "'" + *text + "'" : std::string("none"));
        return std::nullopt;
    }
    static MessageRef withHeaders(const Message &event, std::vector<Header> headers)
    {
        auto m = std::make_shared<Message>(event);
        m->headers = std::move(headers);
        return m;
    }
};

// bank-account: status (open, closed) and balance. OpenAccount once; Deposit and Withdraw only
// on an open account; a withdrawal may take the balance down to -overdraft and no further;
// CloseAccount only at balance exactly 0 (money left must be withdrawn, a debt repaid first).
class BankAccount final : public ModelBase {
public:
    std::string_view name() const override { return "bank-account"; }
    std::string_view category() const override { return "account"; }
    std::vector<std::string> commandNames() const override
    {
        return {"OpenAccount", "Deposit", "Withdraw", "CloseAccount"};
    }
    std::vector<std::string> eventTypes() const override
    {
        return {"AccountOpened", "Deposited", "Withdrawn", "AccountClosed"};
    }
    std::uint32_t currentVersion(std::string_view type) const override
    {
        return type == "Deposited" || type == "Withdrawn" ? 2 : 1;
    }

    Decision decide(const AggregateState &s, const Message &c, const ModelOptions &o) const override
    {
        const std::string *status = s.field("status");
        const std::string &cmd = c.routingKey;
        if (cmd == "OpenAccount") {
            if (status) return reject("account " + c.key + " is already opened (it is " + *status + ")");
            return accept(event("AccountOpened", o));
        }
        if (cmd != "Deposit" && cmd != "Withdraw" && cmd != "CloseAccount") return unknownCommand(c);
        if (!status)
            return reject("account " + c.key + " is not opened: " + cmd + " needs OpenAccount first");
        if (*status != "open") return reject("account " + c.key + " is " + *status);
        const std::int64_t balance = s.integer("balance");
        if (cmd == "CloseAccount") {
            if (balance != 0)
                return reject("account " + c.key + " has balance " + std::to_string(balance) +
                              ": CloseAccount needs balance 0");
            return accept(event("AccountClosed", o));
        }
        std::string reason;
        const auto amount = positiveAmount(c, reason);
        if (!amount) return reject(reason);
        if (cmd == "Withdraw" && balance - *amount < -o.overdraft)
            return reject("insufficient funds: balance " + std::to_string(balance) + ", withdrawal " +
                          std::to_string(*amount) + ", overdraft " + std::to_string(o.overdraft));
        const char *type = cmd == "Deposit" ? "Deposited" : "Withdrawn";
        Header data{"amount", std::to_string(*amount)};
        if (writeVersion(type, o) >= 2) data = {"amountCents", std::to_string(*amount * 100)};
        return accept(event(type, o, {std::move(data)}));
    }

    void apply(AggregateState &s, const Message &e) const override
    {
        const std::string &type = e.routingKey;
        if (type == "AccountOpened") {
            s.set("status", std::string("open"));
            s.set("balance", std::int64_t{0});
        } else if (type == "AccountClosed") {
            s.set("status", std::string("closed"));
        } else if (type == "Deposited" || type == "Withdrawn") {
            const std::int64_t amount = amountOf(e);
            s.set("balance", s.integer("balance") + (type == "Deposited" ? amount : -amount));
        }
    }

    MessageRef upcast(const Message &e) const override
    {
        if ((e.routingKey != "Deposited" && e.routingKey != "Withdrawn") || schemaVersion(e) != 1)
            return nullptr;
        std::vector<Header> headers = {{std::string(kSchemaHeader), "2"}};
        for (const auto &h : e.headers)
            if (h.name == "amount")
                headers.push_back({"amountCents", std::to_string(parseInt(h.value, 0) * 100)});
            else if (h.name != kSchemaHeader)
                headers.push_back(h);
        return withHeaders(e, std::move(headers));
    }

private:
    // In whole units, from either version (a reader that reads v1 natively applies it as is).
    static std::int64_t amountOf(const Message &e)
    {
        return schemaVersion(e) >= 2 ? dataInt(e, "amountCents") / 100 : dataInt(e, "amount");
    }
};

// order: a state machine placed -> paid -> reserved -> shipped; CancelOrder from placed, paid or
// reserved (not once shipped, nor twice). PlaceOrder's "amount" is kept as the order's amount.
class Order final : public ModelBase {
public:
    std::string_view name() const override { return "order"; }
    std::string_view category() const override { return "order"; }
    std::vector<std::string> commandNames() const override
    {
        return {"PlaceOrder", "PayOrder", "ReserveStock", "ShipOrder", "CancelOrder"};
    }
    std::vector<std::string> eventTypes() const override
    {
        return {"OrderPlaced", "OrderPaid", "StockReserved", "OrderShipped", "OrderCancelled"};
    }
    std::uint32_t currentVersion(std::string_view) const override { return 1; }

    Decision decide(const AggregateState &s, const Message &c, const ModelOptions &o) const override
    {
        const std::string *status = s.field("status");
        const std::string &cmd = c.routingKey;
        if (cmd == "PlaceOrder") {
            if (status) return reject("order " + c.key + " is already placed (it is " + *status + ")");
            const std::string *amount = c.header("amount");
            return accept(event("OrderPlaced", o,
                                amount ? std::vector<Header>{{"amount", *amount}} : std::vector<Header>{}));
        }
        struct Step {
            const char *command, *event, *from;
        };
        static constexpr Step steps[] = {{"PayOrder", "OrderPaid", "placed"},
                                         {"ReserveStock", "StockReserved", "paid"},
                                         {"ShipOrder", "OrderShipped", "reserved"}};
        for (const auto &step : steps) {
            if (cmd != step.command) continue;
            if (!status || *status != step.from)
                return reject("order " + c.key + " is " + (status ? *status : std::string("not placed")) +
                              ": " + cmd + " needs it " + step.from);
            return accept(event(step.event, o));
        }
        if (cmd == "CancelOrder") {
            if (!status || (*status != "placed" && *status != "paid" && *status != "reserved"))
                return reject("order " + c.key + " is " + (status ? *status : std::string("not placed")) +
                              ": CancelOrder needs it placed, paid or reserved");
            return accept(event("OrderCancelled", o));
        }
        return unknownCommand(c);
    }

    void apply(AggregateState &s, const Message &e) const override
    {
        static constexpr std::pair<std::string_view, std::string_view> statuses[] = {
            {"OrderPlaced", "placed"},
            {"OrderPaid", "paid"},
            {"StockReserved", "reserved"},
            {"OrderShipped", "shipped"},
            {"OrderCancelled", "cancelled"}};
        for (const auto &[type, status] : statuses)
            if (e.routingKey == type) s.set("status", std::string(status));
        if (e.routingKey == "OrderPlaced") s.set("amount", dataInt(e, "amount"));
    }

    MessageRef upcast(const Message &) const override { return nullptr; }
};

// counter: Increment and Decrement by "amount" (1 when absent); always accepted.
class Counter final : public ModelBase {
public:
    std::string_view name() const override { return "counter"; }
    std::string_view category() const override { return "counter"; }
    std::vector<std::string> commandNames() const override { return {"Increment", "Decrement"}; }
    std::vector<std::string> eventTypes() const override { return {"Incremented", "Decremented"}; }
    std::uint32_t currentVersion(std::string_view) const override { return 1; }

    Decision decide(const AggregateState &, const Message &c, const ModelOptions &o) const override
    {
        if (c.routingKey != "Increment" && c.routingKey != "Decrement") return unknownCommand(c);
        const std::string by = std::to_string(dataInt(c, "amount", 1));
        return accept(
            event(c.routingKey == "Increment" ? "Incremented" : "Decremented", o, {{"amount", by}}));
    }

    void apply(AggregateState &s, const Message &e) const override
    {
        const std::int64_t by = dataInt(e, "amount", 1);
        if (e.routingKey == "Incremented") s.set("value", s.integer("value") + by);
        if (e.routingKey == "Decremented") s.set("value", s.integer("value") - by);
    }

    MessageRef upcast(const Message &) const override { return nullptr; }
};

} // namespace

const std::string *AggregateState::field(std::string_view name) const
{
    for (const auto &f : fields)
        if (f.name == name) return &f.value;
    return nullptr;
}

std::int64_t AggregateState::integer(std::string_view name, std::int64_t otherwise) const
{
    const std::string *v = field(name);
    return v ? parseInt(*v, otherwise) : otherwise;
}

void AggregateState::set(std::string_view name, std::string value)
{
    for (auto &f : fields)
        if (f.name == name) {
            f.value = std::move(value);
            return;
        }
    fields.push_back({std::string(name), std::move(value)});
}

void AggregateState::set(std::string_view name, std::int64_t value)
{
    set(name, std::to_string(value));
}

const AggregateModel *aggregateModel(std::string_view name)
{
    static const BankAccount bank;
    static const Order order;
    static const Counter counter;
    static const AggregateModel *const models[] = {&bank, &order, &counter};
    for (const auto *m : models)
        if (m->name() == name) return m;
    return nullptr;
}

std::vector<std::string> aggregateModelNames()
{
    return {"bank-account", "order", "counter"};
}

EventReader::EventReader(const AggregateModel &model, std::vector<std::uint32_t> readable, bool upcasting)
    : m_model(&model), m_readable(std::move(readable)), m_upcasting(upcasting)
{
}

EventReader::Result EventReader::read(const MessageRef &stored) const
{
    Result r;
    if (!stored) return r;
    const std::uint32_t version = schemaVersion(*stored);
    r.from = r.to = version;
    const auto types = m_model->eventTypes();
    if (std::find(types.begin(), types.end(), stored->routingKey) == types.end()) return r;
    const std::uint32_t current = m_model->currentVersion(stored->routingKey);
    // A listed version beyond a type's newest stands for the newest: a reader of "2" reads
    // AccountOpened, which never changed, at its only version 1.
    const auto readable = [&](std::uint32_t v) {
        return m_readable.empty() ? v == current
                                  : std::any_of(m_readable.begin(), m_readable.end(),
                                                [&](std::uint32_t k) { return std::min(k, current) == v; });
    };
    MessageRef event = stored;
    std::uint32_t at = version;
    // Each upcaster raises the version by one; stop at the first version this reader knows.
    while (!readable(at)) {
        if (!m_upcasting || at >= current) return r;
        MessageRef up = m_model->upcast(*event);
        if (!up || schemaVersion(*up) <= at) return r; // an upcaster must raise the version: never loop
        event = std::move(up);
        at = schemaVersion(*event);
    }
    r.to = at;
    r.event = std::move(event);
    return r;
}

} // namespace sb::es
