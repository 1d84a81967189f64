// Password hashing with argon2id (libsodium crypto_pwhash_str).
#pragma once
#include <string>
#include <string_view>

namespace riverlink::auth {

struct PasswordCost {
  unsigned long long ops;
  size_t mem_bytes;
  static PasswordCost interactive();  // libsodium's INTERACTIVE limits: production default
  static PasswordCost minimum();      // libsodium's MIN limits: tests only
};

std::string hash_password(std::string_view password, const PasswordCost& cost);
bool verify_password(std::string_view password, const std::string& stored_hash);

}  // namespace riverlink::auth
