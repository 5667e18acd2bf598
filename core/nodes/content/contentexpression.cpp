#include "contentexpression.h"

#include <muparserx/mpIOprt.h>
#include <muparserx/mpParser.h>

#include <deque>

namespace sb {

struct ContentExpression::Impl {
    std::string text;
    mup::ParserX parser{mup::pckALL_NON_COMPLEX};
    std::vector<std::string> names;
    std::deque<mup::Value> values; // one per name, bound to the parser by address
};

namespace {

// muparserx has no logical not; people write !(a > b).
class NotOperator final : public mup::IOprtInfix {
public:
    NotOperator() : IOprtInfix("!", mup::prINFIX) {}
    void Eval(mup::ptr_val_type &ret, const mup::ptr_val_type *args, int) override
    {
        *ret = args[0]->GetType() == 'b' ? !args[0]->GetBool() : args[0]->GetFloat() == 0;
    }
    const mup::char_type *GetDesc() const override { return "!x: logical not"; }
    mup::IToken *Clone() const override { return new NotOperator(*this); }
};

// muparserx quotes strings with "; people (and the seeds) write 'US' as often. A '...' literal
// without a " inside becomes "..." of the same length, so positions in messages stay right.
std::string doubleQuoted(std::string_view text, std::size_t &unclosed)
{
    unclosed = std::string_view::npos;
    std::string out(text);
    char open = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const char c = out[i];
        if (open) {
            if (c == open) {
                if (open == '\'') {
                    out[start] = '"';
                    out[i] = '"';
                }
                open = 0;
            } else if (open == '\'' && c == '"') {
                open = 0; // leave it for muparserx to refuse
            }
        } else if (c == '\'' || c == '"') {
            open = c;
            start = i;
        }
    }
    if (open) unclosed = start;
    return out;
}

bool isIdentifier(const std::string &s)
{
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

std::string columnText(int pos)
{
    return "column " + std::to_string(pos < 0 ? 1 : pos + 1) + ": ";
}

// muparserx's message names the position itself; say it once, as a column.
std::string describe(const mup::ParserError &e)
{
    std::string msg = e.GetMsg();
    const std::string tail = " found at position " + std::to_string(e.GetPos()) + ".";
    if (const auto p = msg.find(tail); p != std::string::npos) msg.erase(p, tail.size());
    while (!msg.empty() && (msg.back() == '.' || msg.back() == ' '))
        msg.pop_back();
    return columnText(e.GetPos()) + msg;
}

} // namespace

ContentExpression::ContentExpression() : d(std::make_unique<Impl>())
{
    d->parser.DefineInfixOprt(new NotOperator);
}
ContentExpression::~ContentExpression() = default;

std::unique_ptr<ContentExpression> ContentExpression::compile(std::string_view text, Error &error)
{
    std::unique_ptr<ContentExpression> x(new ContentExpression());
    x->d->text = std::string(text);
    if (text.find_first_not_of(" \t") == std::string_view::npos) {
        error = {0, "column 1: the expression is empty"};
        return nullptr;
    }
    std::size_t unclosed;
    const std::string quoted = doubleQuoted(text, unclosed);
    if (unclosed != std::string_view::npos) {
        error = {unclosed,
                 "column " + std::to_string(unclosed + 1) + ": the string that starts here is not closed"};
        return nullptr;
    }
    try {
        x->d->parser.SetExpr(quoted);
    } catch (const mup::ParserError &e) {
        error = {std::size_t(std::max(0, int(e.GetPos()))), describe(e)};
        return nullptr;
    }
    // Every name it uses becomes a variable: muparserx refuses an unknown name, so define each
    // one it names and try again until only real errors remain. Evaluation errors with the
    // placeholder values (a type clash) say nothing about the syntax and are ignored here.
    for (int rounds = 0; rounds < 256; ++rounds) {
        try {
            x->d->parser.Eval();
            break;
        } catch (const mup::ParserError &e) {
            const std::string token = e.GetToken();
            if (e.GetCode() == mup::ecUNASSIGNABLE_TOKEN && isIdentifier(token) &&
                !x->d->parser.IsVarDefined(token)) {
                x->d->values.emplace_back(0.0);
                x->d->parser.DefineVar(token, mup::Variable(&x->d->values.back()));
                x->d->names.push_back(token);
                continue;
            }
            switch (e.GetCode()) {
            case mup::ecEVAL:
            case mup::ecTYPE_CONFLICT:
            case mup::ecTYPE_CONFLICT_FUN:
            case mup::ecTYPE_CONFLICT_IDX:
            case mup::ecDIV_BY_ZERO:
            case mup::ecDOMAIN_ERROR:
            case mup::ecOVERFLOW:
            case mup::ecINVALID_TYPE:
            case mup::ecINVALID_TYPECAST:
                break; // an evaluation error with the placeholder values
            default:
                error = {std::size_t(std::max(0, int(e.GetPos()))), describe(e)};
                return nullptr;
            }
            break; // an evaluation error with the placeholders
        }
    }
    return x;
}

bool ContentExpression::evaluate(const Message &m, std::string *why)
{
    for (std::size_t i = 0; i < d->names.size(); ++i) {
        const std::string &name = d->names[i];
        mup::Value &v = d->values[i];
        if (const Field *f = m.field(name)) {
            v = f->numeric ? mup::Value(f->number) : mup::Value(f->text);
        } else if (const std::string *h = m.header(name)) {
            v = mup::Value(*h);
        } else if (name == "routingKey") {
            v = mup::Value(m.routingKey);
        } else if (name == "key") {
            v = mup::Value(m.key);
        } else if (name == "bytes") {
            v = mup::Value(double(m.size));
        } else {
            if (why) *why = "the message has no field or header '" + name + "'";
            return false;
        }
    }
    try {
        const mup::Value &r = d->parser.Eval();
        if (r.GetType() == 'b') return r.GetBool();
        if (r.IsScalar()) return r.GetFloat() != 0;
        if (why) *why = "the expression gives " + r.ToString() + ", not true or false";
        return false;
    } catch (const mup::ParserError &e) {
        if (why) *why = e.GetMsg();
        return false;
    }
}

const std::vector<std::string> &ContentExpression::names() const
{
    return d->names;
}

const std::string &ContentExpression::text() const
{
    return d->text;
}

} // namespace sb
