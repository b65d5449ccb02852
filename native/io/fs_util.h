// Durable file writing: data is fsynced before a file counts as written, and folders are
// published with one rename, so a crash never leaves a half-written checkpoint behind.
#pragma once

#include <cstddef>
#include <string>

namespace casm::io {

class FileWriter {
 public:
  explicit FileWriter(const std::string& path);
  ~FileWriter();
  void write(const void* data, size_t bytes);
  void sync_and_close();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

void write_text_file(const std::string& path, const std::string& text);
std::string read_text_file(const std::string& path);
void fsync_directory(const std::string& dir);

// A fresh temporary folder beside `final_dir` (same filesystem, so rename is atomic).
std::string make_temp_dir_beside(const std::string& final_dir);
// Moves a complete temporary folder into place, replacing an existing folder of that name.
void publish_dir(const std::string& temp_dir, const std::string& final_dir);
void remove_tree(const std::string& dir);

}  // namespace casm::io
