// SHA-256 (libsodium) and random tokens.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace riverlink::core {

std::string sha256_hex(std::string_view data);
// SHA-256 of a file's bytes, streamed; nullopt when the file cannot be read.
std::optional<std::string> sha256_file_hex(const std::string& path);
// 32 random bytes from the OS CSPRNG, URL-safe base64 without padding.
std::string random_token();
// Constant-time string comparison.
bool equal_ct(std::string_view a, std::string_view b);

}  // namespace riverlink::core
