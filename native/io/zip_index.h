// The central directory of a zip archive: the sizes of its records, read before any record is.
// LibTorch 1.13's PyTorchStreamReader has no way to ask a record's size, and getRecord allocates
// whatever the archive declares, so a tiny deflated record can claim gigabytes. The .pth reader
// checks these sizes against its limits first. Standard and zip64 archives are understood.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace casm::io {

struct ZipEntry {
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
};

struct ZipIndex {
  uint64_t file_size = 0;
  // Record name without the archive's top folder ("archive/data.pkl" → "data.pkl"), as
  // PyTorchStreamReader names records. Every record shares one top folder and names are unique
  // (read_zip_index refuses other archives), so each entry is the record LibTorch will read.
  std::map<std::string, ZipEntry> records;
};

// Errors are std::runtime_error naming `path`.
ZipIndex read_zip_index(const std::string& path);

}  // namespace casm::io
