// demo_svg: the picture `drt demo --svg FILE` writes: the key ring with every node as a dot at
// its key's angle, leaf-set links as chords, and one search path drawn on top.
#pragma once

#include <drt/drt.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace drt::tool::demo {

struct ring_picture {
  std::string title;
  std::vector<drt::key> node_keys;                           // one per node: where its dot goes
  std::vector<std::string> labels;                           // one per node
  std::vector<std::pair<std::size_t, std::size_t>> links;    // leaf-set neighbours (node indices)
  std::size_t searcher = 0;                                  // the highlighted search ...
  std::vector<std::size_t> path;                             // ... the nodes it contacted, in order
  std::size_t owner = 0;                                     // ... and the node that owns its key
  bool has_search = false;
  std::string caption;   // two lines under the ring
  std::string caption2;
};

// The SVG document (UTF-8 text).
[[nodiscard]] std::string render_svg(const ring_picture& p);

}  // namespace drt::tool::demo
