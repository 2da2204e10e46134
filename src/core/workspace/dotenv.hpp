// Private: a workspace's .env file, read for the ${VAR}s of its connection URLs, as
// docker-compose, Prisma and Drizzle users expect (the process environment wins).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace tether::detail {

// The variables `file` sets, or none when there is no such file. Lines are NAME=VALUE,
// optionally after `export `; blank lines and lines starting with # are skipped; a value
// in single quotes is taken as written, one in double quotes with \" \\ \n and \t read as
// escapes, a bare one up to a " #" comment, trimmed. Throws tether::error (usage) naming
// the file and the line for anything else. (Hand-written: Debian packages no dotenv
// library for C++.)
std::map<std::string, std::string> read_dotenv(const std::filesystem::path& file);

}  // namespace tether::detail
