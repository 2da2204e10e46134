// Private: a find that pages by key. A find with `after` (docs/api.md, "Paging") is
// ordered by its order_by and then by the table's primary key, so that the order is total;
// its next page is the rows beyond the last one returned, a condition on those columns'
// values (keyset paging), which every engine evaluates as it evaluates any filter.
#pragma once

#include <string>

#include "tether/engine/schema.hpp"
#include "tether/options.hpp"

namespace tether::detail {

// The find to run for a page of `o` (o.after set) on a table with this description:
// order_by completed with the key, the key and order columns selected, the token's
// condition joined to the where, and one row more than the limit (which tells whether
// there is a next page). Throws tether::error (usage) naming `after` for a token that is
// not tether's or was made for another table or order, and naming the table when it has
// no primary key to page by.
find_options page_query(const find_options& o, const engine::table_description* table);

// After running page_query: drops the extra row and returns the token of the next page,
// or "" when the rows ran out.
std::string finish_page(const find_options& query, const find_options& o, records& rows);

}  // namespace tether::detail
