#include "zip_index.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace casm::io {

namespace {

constexpr uint32_t kEndSig = 0x06054b50, kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50, kEntrySig = 0x02014b50;
constexpr uint64_t kMaxDirectoryBytes = uint64_t{64} << 20;

uint64_t le(const std::string& b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[at + k])) << (8 * k);
  return v;
}

class File {
 public:
  explicit File(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw std::runtime_error(path + ": cannot open file");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(in_.tellg());
  }
  uint64_t size() const { return size_; }
  std::string read(uint64_t at, uint64_t n) {
    if (at > size_ || n > size_ - at) fail("a directory record points outside the file");
    std::string b(n, '\0');
    in_.seekg(static_cast<std::streamoff>(at));
    in_.read(b.data(), static_cast<std::streamsize>(n));
    if (!in_) fail("read error");
    return b;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": not a readable zip-format torch.save file (" + what + ")");
  }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

}  // namespace

ZipIndex read_zip_index(const std::string& path) {
  File f(path);
  ZipIndex index;
  index.file_size = f.size();
  if (f.size() < 22) f.fail("too short for a zip archive");
  // The end record is in the last 22 + 65535 (comment) bytes.
  const uint64_t tail_len = std::min<uint64_t>(f.size(), 22 + 65535);
  const std::string tail = f.read(f.size() - tail_len, tail_len);
  size_t end = std::string::npos;
  for (size_t k = tail.size() - 22 + 1; k-- > 0;)
    if (le(tail, k, 4) == kEndSig) {
      end = k;
      break;
    }
  if (end == std::string::npos) f.fail("no end-of-directory record");
  uint64_t entries = le(tail, end + 10, 2), dir_size = le(tail, end + 12, 4), dir_offset = le(tail, end + 16, 4);
  if (entries == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
    // zip64: a locator just before the end record points at the zip64 end record.
    const uint64_t end_pos = f.size() - tail_len + end;
    if (end_pos < 20) f.fail("zip64 locator missing");
    const std::string loc = f.read(end_pos - 20, 20);
    if (le(loc, 0, 4) != kLocator64Sig) f.fail("zip64 locator missing");
    const std::string e64 = f.read(le(loc, 8, 8), 56);
    if (le(e64, 0, 4) != kEnd64Sig) f.fail("zip64 end record missing");
    entries = le(e64, 32, 8);
    dir_size = le(e64, 40, 8);
    dir_offset = le(e64, 48, 8);
  }
  if (dir_size > kMaxDirectoryBytes) f.fail("central directory larger than 64 MiB");
  const std::string dir = f.read(dir_offset, dir_size);
  size_t at = 0;
  std::string first_top;
  for (uint64_t n = 0; n < entries; ++n) {
    if (dir.size() - at < 46 || le(dir, at, 4) != kEntrySig) f.fail("corrupt central directory");
    ZipEntry e;
    e.method = static_cast<uint16_t>(le(dir, at + 10, 2));
    e.compressed = le(dir, at + 20, 4);
    e.uncompressed = le(dir, at + 24, 4);
    const size_t name_len = le(dir, at + 28, 2), extra_len = le(dir, at + 30, 2), comment_len = le(dir, at + 32, 2);
    if (dir.size() - at - 46 < name_len + extra_len + comment_len) f.fail("corrupt central directory");
    const std::string name = dir.substr(at + 46, name_len);
    // zip64 extra field (id 1): the 64-bit sizes, present only for the fields saturated above.
    for (size_t x = at + 46 + name_len, x_end = x + extra_len; x + 4 <= x_end;) {
      const uint64_t id = le(dir, x, 2), len = le(dir, x + 2, 2);
      if (len > x_end - x - 4) f.fail("corrupt extra field");
      if (id == 1) {
        size_t p = x + 4;
        if (e.uncompressed == 0xFFFFFFFF && p + 8 <= x + 4 + len) e.uncompressed = le(dir, p, 8), p += 8;
        if (e.compressed == 0xFFFFFFFF && p + 8 <= x + 4 + len) e.compressed = le(dir, p, 8);
      }
      x += 4 + len;
    }
    // PyTorchStreamReader reads only the first record's top folder ("archive/…"); a record under
    // another folder, or a second record of the same name, would be checked here in place of the
    // one LibTorch inflates, so such archives are refused rather than indexed.
    const size_t slash = name.find('/');
    const std::string top = slash == std::string::npos ? std::string() : name.substr(0, slash);
    if (n == 0)
      first_top = top;
    else if (top != first_top)
      f.fail("records under more than one top folder ('" + first_top + "/', '" + top + "/')");
    if (!index.records.emplace(slash == std::string::npos ? name : name.substr(slash + 1), e).second)
      f.fail("two records named '" + name + "'");
    at += 46 + name_len + extra_len + comment_len;
  }
  return index;
}

}  // namespace casm::io
