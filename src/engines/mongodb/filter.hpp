// The MongoDB query document made from a plan's filter: a pre-filter that holds on every
// document where the tether filter holds, so that MongoDB drops documents before they
// cross the network while the client still evaluates the whole filter with the reference
// evaluator (engine/evaluate.hpp), the meaning docs/querying.md gives everywhere. This is
// how the engine starts (issue 21); parts become exact, and the client's work smaller, as
// the tests against a real server allow.
//
// What is sent, and why it is a superset:
// - $eq, $in, $gt/$gte/$lt/$lte, $between of strings, booleans, whole numbers within
//   ±2^53, doubles within ±2^53, timestamps, dates and times (their text sorts as they
//   do): MongoDB compares these as tether does (numbers by value across int32, int64 and
//   double; text by UTF-8 bytes; dates by instant), and type brackets as tether's operand
//   rules do. Past 2^53 tether compares an integer with a double as doubles and MongoDB
//   exactly, so those stay on the client; so do decimals, bytes (MongoDB orders binaries
//   by length first) and containers. An $eq also matches an array holding the value on
//   MongoDB: more documents, never fewer.
// - $eq null and $isNull: true as {f: null} (null or missing; tether reads missing as null).
// - $isNotNull / $isNull: false as {f: {$ne: null}} on a field declared with a scalar type
//   (MongoDB's $ne null drops an array holding a null, which tether keeps).
// - $startsWith, $endsWith, $contains, $like as a regular expression of the escaped text,
//   written to mean at least as much on MongoDB's PCRE and on CongoDB's JavaScript
//   expressions: `%` is [\s\S]*, `_` is [\s\S]{1,2} (one code point may be two UTF-16
//   units), and `$` may match before a final newline on PCRE.
// - $and of the parts that can be sent (leaving a part out keeps a superset); $or only
//   when every alternative can be.
// - Nothing under $not or $nor, and no $ne, $nin, $ilike or $regex: a negation of a
//   superset is not one, case folding differs, and the regex dialects differ.
#pragma once

#include <bson/bson.h>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail::mongodb {

// Appends the pre-filter of `p`'s where to `out` (an empty document: every document).
// `t`: the table's recorded fields, where tether knows them, else null.
void append_prefilter(const engine::plan& p, const engine::table_description* t, bson_t* out);

}  // namespace tether::detail::mongodb
