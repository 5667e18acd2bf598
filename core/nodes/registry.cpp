#include "../link.h"
#include "nodes.h"

namespace sb {

const KindRegistry &KindRegistry::builtin()
{
    static const KindRegistry registry = [] {
        KindRegistry r;
        r.add(producerKind());
        r.add(exchangeKind());
        r.add(queueKind());
        r.add(consumerKind());
        r.setLinkProperties(linkPropertySpecs());
        return r;
    }();
    return registry;
}

} // namespace sb
