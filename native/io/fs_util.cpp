#include "fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace casm::io {

namespace fs = std::filesystem;

static std::runtime_error sys_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

FileWriter::FileWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw sys_error("cannot create", path);
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWriter::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::write(fd_, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw sys_error("cannot write", path_);
    }
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void FileWriter::sync_and_close() {
  if (::fsync(fd_) != 0) throw sys_error("cannot fsync", path_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw sys_error("cannot close", path_);
  }
  fd_ = -1;
}

void write_text_file(const std::string& path, const std::string& text) {
  FileWriter w(path);
  w.write(text.data(), text.size());
  w.sync_and_close();
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw sys_error("cannot open folder", dir);
  ::fsync(fd);
  ::close(fd);
}

std::string make_temp_dir_beside(const std::string& final_dir) {
  fs::path target = fs::absolute(final_dir);
  fs::create_directories(target.parent_path());
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::ostringstream name;
    name << "." << target.filename().string() << ".tmp-" << ::getpid() << "-" << std::hex << rd();
    fs::path p = target.parent_path() / name.str();
    if (::mkdir(p.c_str(), 0755) == 0) return p.string();
    if (errno != EEXIST) throw sys_error("cannot create folder", p.string());
  }
  throw std::runtime_error("cannot create a temporary folder beside '" + final_dir + "'");
}

void publish_dir(const std::string& temp_dir, const std::string& final_dir) {
  fs::path target = fs::absolute(final_dir);
  fsync_directory(temp_dir);
  std::string old;
  if (fs::exists(target)) {
    old = make_temp_dir_beside(final_dir);
    fs::remove(old);
    if (::rename(target.c_str(), old.c_str()) != 0) throw sys_error("cannot move aside", target.string());
  }
  if (::rename(temp_dir.c_str(), target.c_str()) != 0) throw sys_error("cannot publish", target.string());
  fsync_directory(target.parent_path().string());
  if (!old.empty()) remove_tree(old);
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace casm::io
