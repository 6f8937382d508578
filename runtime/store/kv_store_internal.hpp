#pragma once
/// Helpers shared by the store implementations; not part of the public interface.

#include "runtime/base/bytes.hpp"

#include <string>
#include <vector>

namespace bystack::store::internal {

/// Returns the error text for a column that was not declared, listing the declared ones.
std::string unknown_column_message(const std::string& column,
                                   const std::vector<std::string>& declared);

/// Returns the columns in first-seen order without duplicates.
std::vector<std::string> unique_columns(std::vector<std::string> columns);

/// Returns true if key starts with prefix.
bool has_prefix(byte_view key, byte_view prefix);

} // namespace bystack::store::internal
