#include "core/hash.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace riverlink::core {
namespace {

TEST(Hash, Sha256OfTextAndOfFile) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto path = std::filesystem::temp_directory_path() / ("riverlink_hash_" + std::to_string(::getpid()));
  // Larger than the 1 MiB read buffer, so the streamed digest spans several reads.
  std::string big(3u << 20, 'x');
  big += "tail";
  std::ofstream(path, std::ios::binary) << big;
  auto h = sha256_file_hex(path.string());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(*h, sha256_hex(big));
  std::filesystem::remove(path);
  EXPECT_FALSE(sha256_file_hex(path.string()).has_value());
}

}  // namespace
}  // namespace riverlink::core
