#include "subscriptionindex.h"

#include "../routing.h"
#include "dialect_p.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace sb {

namespace {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Token dialects (amqp, mqtt, nats): a trie keyed by word/level/token, with the one-token
// wildcard ('*', '+') and the rest wildcard ('#', '>') as children of their own, as RabbitMQ's
// topic trie and nats-server's sublist do. A subscription's id sits on the node its last token
// leads to.
struct TokenNode {
    std::unordered_map<std::string, std::unique_ptr<TokenNode>, StringHash, std::equal_to<>> literal;
    std::unique_ptr<TokenNode> one, rest;
    std::vector<std::uint32_t> ids; // ascending
    bool empty() const { return literal.empty() && !one && !rest && ids.empty(); }
};

// Redis globs: a byte trie over each pattern's literal prefix (the bytes before its first glob
// character). A channel walks down its own bytes; only the globs met on that path are tried, and
// patterns without glob characters match where the channel ends.
struct ByteNode {
    std::vector<std::pair<char, std::unique_ptr<ByteNode>>> next;
    std::vector<std::uint32_t> exact;                                 // literal patterns ending here
    std::vector<std::pair<std::uint32_t, const std::string *>> globs; // id, pattern
    ByteNode *child(char c) const
    {
        for (const auto &[k, n] : next)
            if (k == c) return n.get();
        return nullptr;
    }
    bool empty() const { return next.empty() && exact.empty() && globs.empty(); }
};

enum class TokenKind { Literal, One, Rest };

} // namespace

struct SubscriptionIndex::Impl {
    Dialect dialect;
    struct Sub {
        std::uint32_t value;
        std::string pattern;
    };
    std::unordered_map<std::uint32_t, Sub> subs;
    std::uint32_t nextId = 0;
    TokenNode tokens;
    ByteNode bytes;

    char separator() const { return dialect == Dialect::Mqtt ? '/' : '.'; }

    // The tokens the trie is keyed by: AMQP's empty key has none; an MQTT shared subscription is
    // indexed by its filter proper.
    void split(std::string_view text, bool isPattern, std::vector<std::string_view> &out) const
    {
        out.clear();
        if (dialect == Dialect::Amqp && text.empty()) return;
        SharedSubscription shared;
        if (isPattern && dialect == Dialect::Mqtt && parseSharedSubscription(text, shared))
            text = shared.filter;
        const char sep = separator();
        std::size_t start = 0;
        for (;;) {
            const std::size_t p = text.find(sep, start);
            if (p == std::string_view::npos) {
                out.push_back(text.substr(start));
                return;
            }
            out.push_back(text.substr(start, p - start));
            start = p + 1;
        }
    }

    TokenKind kind(std::string_view token, bool last) const
    {
        switch (dialect) {
        case Dialect::Amqp:
            return token == "*" ? TokenKind::One : token == "#" ? TokenKind::Rest : TokenKind::Literal;
        case Dialect::Mqtt:
            return token == "+"           ? TokenKind::One
                   : token == "#" && last ? TokenKind::Rest
                                          : TokenKind::Literal;
        case Dialect::Nats:
            return token == "*"           ? TokenKind::One
                   : token == ">" && last ? TokenKind::Rest
                                          : TokenKind::Literal;
        case Dialect::Redis:
            break;
        }
        return TokenKind::Literal;
    }

    void addTokens(std::string_view pattern, std::uint32_t id)
    {
        std::vector<std::string_view> t;
        split(pattern, true, t);
        TokenNode *n = &tokens;
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::unique_ptr<TokenNode> *slot = nullptr;
            switch (kind(t[i], i + 1 == t.size())) {
            case TokenKind::One:
                slot = &n->one;
                break;
            case TokenKind::Rest:
                slot = &n->rest;
                break;
            case TokenKind::Literal: {
                auto it = n->literal.find(t[i]);
                if (it == n->literal.end()) it = n->literal.emplace(std::string(t[i]), nullptr).first;
                slot = &it->second;
                break;
            }
            }
            if (!*slot) *slot = std::make_unique<TokenNode>();
            n = slot->get();
        }
        n->ids.push_back(id); // ids only grow, so the list stays ascending
    }

    // Removes `id` from the node `t[i..]` leads to below `n`; true when `n` is left empty.
    bool removeTokens(TokenNode *n, const std::vector<std::string_view> &t, std::size_t i, std::uint32_t id)
    {
        if (i == t.size()) {
            n->ids.erase(std::remove(n->ids.begin(), n->ids.end(), id), n->ids.end());
            return n->empty();
        }
        switch (kind(t[i], i + 1 == t.size())) {
        case TokenKind::One:
            if (n->one && removeTokens(n->one.get(), t, i + 1, id)) n->one.reset();
            break;
        case TokenKind::Rest:
            if (n->rest && removeTokens(n->rest.get(), t, i + 1, id)) n->rest.reset();
            break;
        case TokenKind::Literal: {
            auto it = n->literal.find(t[i]);
            if (it != n->literal.end() && removeTokens(it->second.get(), t, i + 1, id)) n->literal.erase(it);
            break;
        }
        }
        return n->empty();
    }

    static void take(const std::vector<std::uint32_t> &ids, std::vector<std::uint32_t> &out)
    {
        out.insert(out.end(), ids.begin(), ids.end());
    }

    // AMQP: '#' takes zero or more words, anywhere in the key.
    void collectAmqp(const TokenNode *n, const std::vector<std::string_view> &words, std::size_t j,
                     std::vector<std::uint32_t> &out) const
    {
        const std::size_t ns = words.size();
        if (j == ns) take(n->ids, out);
        if (n->rest)
            for (std::size_t k = j; k <= ns; ++k)
                collectAmqp(n->rest.get(), words, k, out);
        if (j == ns) return;
        if (n->one) collectAmqp(n->one.get(), words, j + 1, out);
        if (auto it = n->literal.find(words[j]); it != n->literal.end())
            collectAmqp(it->second.get(), words, j + 1, out);
    }

    // MQTT ('#' zero or more, last) and NATS ('>' one or more, last). At the root, a topic starting
    // with '$' is not matched by MQTT's wildcards.
    void collectTrailing(const TokenNode *n, const std::vector<std::string_view> &words, std::size_t j,
                         bool hideWildcards, std::vector<std::uint32_t> &out) const
    {
        const std::size_t ns = words.size();
        if (n->rest && !hideWildcards && (dialect == Dialect::Mqtt || j < ns)) take(n->rest->ids, out);
        if (j == ns) {
            take(n->ids, out);
            return;
        }
        if (n->one && !hideWildcards) collectTrailing(n->one.get(), words, j + 1, false, out);
        if (auto it = n->literal.find(words[j]); it != n->literal.end())
            collectTrailing(it->second.get(), words, j + 1, false, out);
    }

    void addBytes(std::string_view pattern, std::uint32_t id, const std::string *stored)
    {
        const std::string_view prefix = pubsub::redisLiteralPrefix(pattern);
        ByteNode *n = &bytes;
        for (char c : prefix) {
            ByteNode *next = n->child(c);
            if (!next) {
                n->next.emplace_back(c, std::make_unique<ByteNode>());
                next = n->next.back().second.get();
            }
            n = next;
        }
        if (prefix.size() == pattern.size())
            n->exact.push_back(id);
        else
            n->globs.emplace_back(id, stored);
    }

    bool removeBytes(ByteNode *n, std::string_view rest, bool literal, std::uint32_t id)
    {
        if (rest.empty()) {
            if (literal)
                n->exact.erase(std::remove(n->exact.begin(), n->exact.end(), id), n->exact.end());
            else
                n->globs.erase(std::remove_if(n->globs.begin(), n->globs.end(),
                                              [id](const auto &g) { return g.first == id; }),
                               n->globs.end());
            return n->empty();
        }
        for (auto it = n->next.begin(); it != n->next.end(); ++it)
            if (it->first == rest.front()) {
                if (removeBytes(it->second.get(), rest.substr(1), literal, id)) n->next.erase(it);
                break;
            }
        return n->empty();
    }

    void collectBytes(std::string_view channel, std::vector<std::uint32_t> &out) const
    {
        const ByteNode *n = &bytes;
        for (std::size_t i = 0;; ++i) {
            for (const auto &[id, pattern] : n->globs)
                if (pubsub::redisMatches(*pattern, channel)) out.push_back(id);
            if (i == channel.size()) {
                take(n->exact, out);
                return;
            }
            n = n->child(channel[i]);
            if (!n) return;
        }
    }

    void matchIds(std::string_view subject, std::vector<std::uint32_t> &out) const
    {
        std::vector<std::string_view> words;
        std::vector<std::uint32_t> scratch;
        switch (dialect) {
        case Dialect::Amqp:
            split(subject, false, words);
            collectAmqp(&tokens, words, 0, scratch);
            break;
        case Dialect::Mqtt:
            split(subject, false, words);
            collectTrailing(&tokens, words, 0, !subject.empty() && subject.front() == '$', scratch);
            break;
        case Dialect::Nats:
            split(subject, false, words);
            collectTrailing(&tokens, words, 0, false, scratch);
            break;
        case Dialect::Redis:
            collectBytes(subject, scratch);
            break;
        }
        // In the order added, each once (an AMQP key can reach one binding by several paths).
        std::sort(scratch.begin(), scratch.end());
        scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
        out.insert(out.end(), scratch.begin(), scratch.end());
    }
};

SubscriptionIndex::SubscriptionIndex(Dialect dialect) : d(std::make_unique<Impl>())
{
    d->dialect = dialect;
}
SubscriptionIndex::~SubscriptionIndex() = default;
SubscriptionIndex::SubscriptionIndex(SubscriptionIndex &&) noexcept = default;
SubscriptionIndex &SubscriptionIndex::operator=(SubscriptionIndex &&) noexcept = default;

Dialect SubscriptionIndex::dialect() const
{
    return d->dialect;
}

std::uint32_t SubscriptionIndex::add(std::string_view pattern, std::uint32_t value)
{
    const std::uint32_t id = d->nextId++;
    auto &sub = d->subs.emplace(id, Impl::Sub{value, std::string(pattern)}).first->second;
    if (d->dialect == Dialect::Redis)
        d->addBytes(sub.pattern, id, &sub.pattern);
    else
        d->addTokens(sub.pattern, id);
    return id;
}

bool SubscriptionIndex::remove(std::uint32_t id)
{
    auto it = d->subs.find(id);
    if (it == d->subs.end()) return false;
    const std::string &pattern = it->second.pattern;
    if (d->dialect == Dialect::Redis) {
        const std::string_view prefix = pubsub::redisLiteralPrefix(pattern);
        d->removeBytes(&d->bytes, prefix, prefix.size() == pattern.size(), id);
    } else {
        std::vector<std::string_view> t;
        d->split(pattern, true, t);
        d->removeTokens(&d->tokens, t, 0, id);
    }
    d->subs.erase(it);
    return true;
}

std::size_t SubscriptionIndex::size() const
{
    return d->subs.size();
}

void SubscriptionIndex::match(std::string_view subject, std::vector<std::uint32_t> &out) const
{
    const std::size_t from = out.size();
    d->matchIds(subject, out);
    for (std::size_t i = from; i < out.size(); ++i)
        out[i] = d->subs.at(out[i]).value;
}

void SubscriptionIndex::matchIds(std::string_view subject, std::vector<std::uint32_t> &out) const
{
    d->matchIds(subject, out);
}

const std::string &SubscriptionIndex::pattern(std::uint32_t id) const
{
    static const std::string none;
    auto it = d->subs.find(id);
    return it != d->subs.end() ? it->second.pattern : none;
}

bool SubscriptionIndex::isPruned() const
{
    return d->tokens.empty() && d->bytes.empty();
}

} // namespace sb
