#include "weights_import.h"

#include "safetensors.h"

#include "pth_reader.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace casm::io {

namespace fs = std::filesystem;

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

NamedTensors read_pth_state_dict(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (magic[0] != 'P' || magic[1] != 'K')
    throw std::runtime_error(path +
                             ": not a zip-format torch.save file (files from PyTorch < 1.6 use the legacy format: "
                             "load and re-save them with torch.save on a current PyTorch, or convert to .safetensors)");
  return read_torch_save_tensors(path);
}

// Authors' checkpoints nest the two nets; DataParallel adds "module."; both are undone here.
static NamedTensors normalise_names(const NamedTensors& in) {
  NamedTensors out;
  for (auto [name, t] : in) {
    for (const char* p : {"state_dict_classifier.", "state_dict_decoder.", "state_dict.", "model."}) {
      const std::string pre(p);
      if (name.rfind(pre, 0) == 0) {
        std::string rest = name.substr(pre.size());
        name = pre == "state_dict_classifier." ? "classifier." + rest
               : pre == "state_dict_decoder."  ? "decoder." + rest
                                               : rest;
        break;
      }
    }
    if (name.rfind("module.", 0) == 0) name.erase(0, 7);
    if (name.rfind("optimizer_", 0) == 0) continue;
    out.emplace_back(name, t);
  }
  return out;
}

ImportReport import_weights(Model& model, const std::string& path_in, const std::string& target, bool strict) {
  std::string path = path_in;
  if (fs::is_directory(path)) path = (fs::path(path) / "model.safetensors").string();
  if (!fs::exists(path)) throw std::runtime_error(path + ": file not found");
  NamedTensors raw = ends_with(path, ".safetensors") ? read_safetensors(path) : read_pth_state_dict(path);
  auto named = normalise_names(raw);
  bool ours = false;
  for (auto& [n, t] : named)
    if (n.rfind("classifier.", 0) == 0 || n.rfind("decoder.", 0) == 0) ours = true;

  NamedTensors mapped;
  if (!target.empty()) {
    for (auto& [n, t] : named) mapped.emplace_back(target + n, t);
  } else if (ours) {
    mapped = named;
  } else {
    for (auto& [n, t] : named) {
      mapped.emplace_back("classifier." + n, t);
      if (model.separate_encoder()) mapped.emplace_back("encoder." + n, t);
    }
  }

  // A classifier trained for another number of classes still gives a good trunk: its fc is
  // skipped (outside strict mode) and keeps its fresh init.
  auto own = model.state();
  std::map<std::string, torch::Tensor> shapes(own.begin(), own.end());
  ImportReport report;
  NamedTensors usable;
  for (auto& [n, t] : mapped) {
    auto it = shapes.find(n);
    if (it == shapes.end()) {
      report.skipped.push_back(n + " (no such tensor in the model)");
      continue;
    }
    if (it->second.sizes() != t.sizes() && !strict) {
      std::ostringstream s;
      s << n << " (shape " << t.sizes() << ", model has " << it->second.sizes() << ")";
      report.skipped.push_back(s.str());
      continue;
    }
    usable.emplace_back(n, t);
  }
  if (strict && !report.skipped.empty()) throw std::runtime_error(path + ": unexpected tensor " + report.skipped[0]);
  model.load_state(usable, /*strict=*/false);
  report.loaded = static_cast<int64_t>(usable.size());
  if (report.loaded == 0) throw std::runtime_error(path + ": no tensor in the file matches the model");
  return report;
}

}  // namespace casm::io
