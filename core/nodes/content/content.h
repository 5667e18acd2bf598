#pragma once
// Content-based routing: filters that route by what a message says (its payload fields and
// headers), not by where it is addressed.
#include "../../schema.h"

namespace sb {

NodeKindSpec contentFilterKind();
std::vector<NodeTemplate> contentTemplates();
// The reason a content expression is refused (naming the column), or empty.
std::string checkContentExpression(const Json &value);

} // namespace sb
