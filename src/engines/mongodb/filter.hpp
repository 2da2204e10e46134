// The MongoDB query document made from a plan's filter: a pre-filter that holds on every
// document where the tether filter holds, so that MongoDB drops documents before they
// cross the network while the client still evaluates the whole filter with the reference
// evaluator (engine/evaluate.hpp), the meaning docs/querying.md gives everywhere. This is
// how every read starts; where the pre-filter is exact (exact_prefilter), the server also
// sorts, pages, counts and groups (reads.cpp, aggregates.cpp).
//
// What is sent, and why it is a superset:
// - $eq, $in, $gt/$gte/$lt/$lte, $between of strings, booleans, timestamps, dates and
//   times (their text sorts as they do): MongoDB compares these as tether does (text by
//   UTF-8 bytes, dates by instant), and type brackets as tether's operand rules do. A
//   range of text only when its operands are below U+D000: CongoDB compares UTF-16 units,
//   which order U+E000–U+FFFF above the characters past U+FFFF; below U+D800 every
//   comparison with any stored text comes out the same.
// - Numbers within ±2^53 only against a field tether recorded with a number type:
//   $eq and $in against integer and double fields, ranges against double fields only.
//   mongod compares numbers by value across int32, int64, double and Decimal128, but
//   CongoDB, the server the suite runs on, compares a Decimal128 or an int64 past 2^53
//   with a number as unequal and unordered, so a range on an integer field (which may
//   hold such an int64) or any condition on a decimal field or a field tether did not
//   record stays on the client, where it is exact on both. Past 2^53 tether compares an
//   integer with a double as doubles and MongoDB exactly, so those stay on the client
//   too; so do decimal operands, bytes (MongoDB orders binaries by length first) and
//   containers. An $eq also matches an array holding the value on MongoDB: more
//   documents, never fewer.
// - $eq null and $isNull: true as {f: null} (null or missing; tether reads missing as null).
// - $isNotNull / $isNull: false as {f: {$ne: null}} on a field declared with a scalar type
//   (MongoDB's $ne null drops an array holding a null, which tether keeps).
// - $startsWith, $endsWith, $contains, $like as a regular expression of the escaped text,
//   written to mean at least as much on MongoDB's PCRE and on CongoDB's JavaScript
//   expressions: `%` is [\s\S]*, `_` is [\s\S]{1,2} (one code point may be two UTF-16
//   units), and `$` may match before a final newline on PCRE. Only operands of at most
//   2,048 bytes: MongoDB refuses a pattern past 32 KB (and CongoDB's JavaScript one past
//   about 50 KB), so a longer one is matched on the client alone.
// - $and of the parts that can be sent (leaving a part out keeps a superset); $or only
//   when every alternative can be.
// - Nothing under $not or $nor, and no $ne, $nin, $ilike or $regex: a negation of a
//   superset is not one, case folding differs, and the regex dialects differ.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail::mongodb {

// Appends the pre-filter of `p`'s where to `out` (an empty document: every document).
// `t`: the table's recorded fields, where tether knows them, else null.
void append_prefilter(const engine::plan& p, const engine::table_description* t, bson_t* out);

// Whether the pre-filter of `p`'s where holds on exactly the documents the whole where
// holds on, so that the server may also sort, skip, limit and count (reads.cpp): every
// part sendable (above) and exact, on fields `t` declares with a scalar type: comparisons,
// $in, $between, null tests, and $startsWith and $contains of a text field (their regular
// expressions anchor at the start and match text as tether does), under $and and $or;
// not $endsWith or $like ($ may match before a final newline, `_` one or two UTF-16
// units), nor any part on a field tether did not record. An empty where is exact.
bool exact_prefilter(const engine::plan& p, const engine::table_description* t);

// Appends {field: {$in: values}} to `out` when MongoDB compares every one of `values` with
// the field `f` (null: not recorded) as tether does, as above; else nothing (every
// document). For the lookups the engine makes itself (the documents an insert conflicts with).
void append_any_of(bson_t* out, const std::string& field, const std::vector<value>& values, const engine::field_def* f);

// A partial index's where as MongoDB's partialFilterExpression, appended to `out`: a tether
// filter (index `i`'s where) becomes the condition that holds on exactly the documents it
// holds on, from comparisons ($eq $gt $gte $lt $lte $between $in) of fields `t` declares
// with a scalar type against operands of that type that MongoDB compares as tether does
// (numbers within ±2^53, text, booleans, timestamps of whole milliseconds, dates, times,
// ObjectIds), $isNotNull as $exists (tether stores no nulls in a document), $and and $or;
// the capabilities refuse the other operators first. A where given as text is MongoDB's
// own: a partialFilterExpression in Extended JSON, sent as written. Throws tether::error
// (usage) naming the index, the field and what it takes for anything else.
void append_index_filter(const engine::index_def& i, const engine::table_description& t, bson_t* out);

// Whether the tether filter `where` names `field`; `where` with `field` renamed `to`.
bool filter_names(const value& where, const std::string& field);
value filter_renamed(const value& where, const std::string& field, const std::string& to);

}  // namespace tether::detail::mongodb
