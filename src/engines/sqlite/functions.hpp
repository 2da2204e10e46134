// Private: SQL functions this engine adds to every connection.
#pragma once

#include <sqlite3.h>

namespace tether::detail::sqlite {

// regexp(pattern, text) for the REGEXP operator (ECMAScript syntax), and
// tether_fold(text), a Unicode lower-case fold for $ilike.
void register_functions(sqlite3* db);

}  // namespace tether::detail::sqlite
