#include "pool.h"

#include <stdexcept>

namespace casm {

ResNet SnapshotPool::make_frozen() const {
  ResNet r(model_.config().resnet);
  r->to(model_.device());
  to_channels_last_if_cuda(*r, model_.device());
  for (auto& p : r->parameters()) p.requires_grad_(false);
  if (bf16_) {
    torch::NoGradGuard g;
    for (auto& kv : r->named_parameters())
      if (kv.value().dim() >= 2) kv.value().set_data(kv.value().to(torch::kBFloat16));
  }
  r->eval();
  return r;
}

static void copy_module_state(torch::nn::Module& dst, torch::nn::Module& src) {
  torch::NoGradGuard g;
  auto dp = dst.parameters(), sp = src.parameters();
  for (size_t i = 0; i < dp.size(); ++i) dp[i].copy_(sp[i]);
  auto db = dst.buffers(), sb = src.buffers();
  for (size_t i = 0; i < db.size(); ++i) db[i].copy_(sb[i]);
}

void SnapshotPool::take(int64_t id) {
  auto it = snapshots_.find(id);
  ResNet snap = it != snapshots_.end() ? it->second : make_frozen();
  copy_module_state(*snap, *model_.classifier());
  snapshots_.insert_or_assign(id, snap);
}

void SnapshotPool::release(int64_t id) {
  if (!snapshots_.erase(id)) throw std::invalid_argument("no snapshot with id " + std::to_string(id) + " in the pool");
}

ResNet& SnapshotPool::get(int64_t id) {
  auto it = snapshots_.find(id);
  if (it == snapshots_.end()) throw std::invalid_argument("no snapshot with id " + std::to_string(id) + " in the pool");
  return it->second;
}

std::vector<int64_t> SnapshotPool::ids() const {
  std::vector<int64_t> out;
  for (auto& kv : snapshots_) out.push_back(kv.first);
  return out;
}

NamedTensors SnapshotPool::state() {
  NamedTensors out;
  for (auto& [id, snap] : snapshots_) append_state(*snap, "pool." + std::to_string(id) + ".", out);
  return out;
}

void SnapshotPool::load_state(const NamedTensors& tensors) {
  std::map<int64_t, NamedTensors> by_id;
  for (auto& [name, t] : tensors) {
    if (name.rfind("pool.", 0) != 0) continue;
    auto dot = name.find('.', 5);
    if (dot == std::string::npos) throw std::runtime_error("malformed pool tensor name '" + name + "'");
    by_id[std::stoll(name.substr(5, dot - 5))].emplace_back(name.substr(dot + 1), t);
  }
  snapshots_.clear();
  for (auto& [id, named] : by_id) {
    ResNet snap = make_frozen();
    NamedTensors own;
    append_state(*snap, "", own);
    std::map<std::string, torch::Tensor> target(own.begin(), own.end());
    torch::NoGradGuard g;
    size_t loaded = 0;
    for (auto& [n, t] : named) {
      auto it = target.find(n);
      if (it == target.end())
        throw std::runtime_error("pool snapshot " + std::to_string(id) + " has unknown tensor '" + n + "'");
      if (it->second.sizes() != t.sizes())
        throw std::runtime_error("pool snapshot " + std::to_string(id) + " tensor '" + n + "' has the wrong shape");
      it->second.copy_(t);
      ++loaded;
    }
    if (loaded != own.size()) throw std::runtime_error("pool snapshot " + std::to_string(id) + " is incomplete");
    snapshots_.insert_or_assign(id, snap);
  }
}

}  // namespace casm
