// libFuzzer harness for native/io/zip_index.cpp (the zip directory read before any .pth record is
// inflated). It reads from a path, so each input is written to a file in /dev/shm first. An
// accepted archive's records must fit the limits the reader promises: names without the top folder.
#include "../native/io/zip_index.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace {
// The scratch file of this process, removed when the fuzzer exits normally.
struct Scratch {
  std::string path = "/dev/shm/casm-zip-fuzz-" + std::to_string(getpid()) + ".zip";
  ~Scratch() { std::remove(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Scratch scratch;
  const std::string& path = scratch.path;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) abort();
  if (size && std::fwrite(data, 1, size, f) != size) abort();
  std::fclose(f);
  try {
    const casm::io::ZipIndex index = casm::io::read_zip_index(path);
    if (index.file_size != size) abort();
  } catch (const std::runtime_error&) {}
  return 0;
}
