// Hand-written SVG for the demo's key ring (demo_svg.hpp).
#include "demo_svg.hpp"

#include "key_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>

namespace drt::tool::demo {
namespace {

constexpr double size = 760, cx = 380, cy = 400, radius = 280;

struct point {
  double x, y;
};

// Angle 0 at the top, clockwise, like a clock: key 0 at twelve o'clock.
point at(double turn, double r = radius) {
  const double a = 2 * std::numbers::pi * turn;
  return {cx + r * std::sin(a), cy - r * std::cos(a)};
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// A chord bowed towards the centre, so that links between close neighbours stay visible.
std::string chord(point a, point b, double bow) {
  const point mid{(a.x + b.x) / 2, (a.y + b.y) / 2};
  const point ctrl{mid.x + (cx - mid.x) * bow, mid.y + (cy - mid.y) * bow};
  return "M" + num(a.x) + "," + num(a.y) + " Q" + num(ctrl.x) + "," + num(ctrl.y) + " " + num(b.x) + "," + num(b.y);
}

}  // namespace

std::string render_svg(const ring_picture& p) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << size << "\" height=\"" << size + 60
    << "\" viewBox=\"0 0 " << size << " " << size + 60 << "\" font-family=\"sans-serif\">\n";
  s << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
       "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d62728\"/></marker></defs>\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"#fcfcfa\"/>\n";
  s << "<text x=\"" << cx << "\" y=\"34\" text-anchor=\"middle\" font-size=\"20\" fill=\"#222\">" << escape(p.title)
    << "</text>\n";
  s << "<circle cx=\"" << cx << "\" cy=\"" << cy << "\" r=\"" << radius
    << "\" fill=\"none\" stroke=\"#bbb\" stroke-width=\"2\"/>\n";
  // Ring ticks: 0, 1/4, 1/2, 3/4 of the key space.
  const char* ticks[] = {"0", "2^254", "2^255", "3·2^254"};
  for (int i = 0; i < 4; ++i) {
    const point a = at(i / 4.0, radius - 8), b = at(i / 4.0, radius + 8), t = at(i / 4.0, radius - 14);
    s << "<line x1=\"" << num(a.x) << "\" y1=\"" << num(a.y) << "\" x2=\"" << num(b.x) << "\" y2=\"" << num(b.y)
      << "\" stroke=\"#999\"/>\n";
    const char* anchor = i == 1 ? "end" : i == 3 ? "start" : "middle";
    s << "<text x=\"" << num(t.x) << "\" y=\"" << num(t.y + (i % 2 == 1 ? -6 : 4)) << "\" text-anchor=\"" << anchor
      << "\" font-size=\"11\" fill=\"#999\">" << ticks[i] << "</text>\n";
  }
  // Leaf-set links.
  s << "<g fill=\"none\" stroke=\"#4c78a8\" stroke-opacity=\"0.35\" stroke-width=\"1.2\">\n";
  for (const auto& [a, b] : p.links) {
    s << "<path d=\"" << chord(at(key_turn(p.node_keys[a])), at(key_turn(p.node_keys[b])), 0.25) << "\"/>\n";
  }
  s << "</g>\n";
  // The search path: searcher -> each contacted node in order.
  if (p.has_search) {
    s << "<g fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\" marker-end=\"url(#arrow)\">\n";
    std::size_t from = p.searcher;
    for (std::size_t to : p.path) {
      if (to == from) continue;
      s << "<path d=\"" << chord(at(key_turn(p.node_keys[from]), radius - 6), at(key_turn(p.node_keys[to]), radius - 6), 0.6)
        << "\"/>\n";
      from = to;
    }
    s << "</g>\n";
  }
  // Nodes. A label close to the previous one on the ring moves out a step, so none overlap.
  std::vector<std::size_t> order(p.node_keys.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key_turn(p.node_keys[a]) < key_turn(p.node_keys[b]); });
  // Each label starts just outside its dot and moves outwards until its box overlaps no label
  // placed before it (boxes: 7 px per character, 13 px high).
  std::vector<point> label_at(order.size());
  std::vector<std::pair<point, double>> placed;  // centre, half width
  for (std::size_t i : order) {
    const double turn = key_turn(p.node_keys[i]);
    const double half = 3.5 * static_cast<double>(p.labels[i].size()) + 2;
    for (int step = 0; step < 10; ++step) {
      label_at[i] = at(turn, radius + 22 + 12 * step);
      const bool clash = std::any_of(placed.begin(), placed.end(), [&](const auto& q) {
        return std::abs(q.first.x - label_at[i].x) < q.second + half && std::abs(q.first.y - label_at[i].y) < 13;
      });
      if (!clash) break;
    }
    placed.emplace_back(label_at[i], half);
  }
  std::vector<std::size_t> draw = order;  // the searcher and the owner last, on top
  if (p.has_search) {
    std::stable_partition(draw.begin(), draw.end(), [&](std::size_t i) { return i != p.searcher && i != p.owner; });
  }
  for (std::size_t i : draw) {
    const double turn = key_turn(p.node_keys[i]);
    const point c = at(turn), t = label_at[i];
    std::string fill = "#4c78a8";
    if (p.has_search && i == p.searcher) fill = "#2ca02c";
    if (p.has_search && i == p.owner) fill = "#d62728";
    s << "<circle cx=\"" << num(c.x) << "\" cy=\"" << num(c.y) << "\" r=\"7\" fill=\"" << fill
      << "\" stroke=\"#fff\" stroke-width=\"1.5\"><title>" << escape(p.labels[i]) << " "
      << key_hex(p.node_keys[i]) << "</title></circle>\n";
    s << "<text x=\"" << num(t.x) << "\" y=\"" << num(t.y + 4) << "\" text-anchor=\"middle\" font-size=\"11\" "
      << "fill=\"#333\">" << escape(p.labels[i]) << "</text>\n";
  }
  // Legend.
  const double ly = size + 8;
  s << "<g font-size=\"12\" fill=\"#333\">\n"
    << "<line x1=\"30\" y1=\"" << ly << "\" x2=\"60\" y2=\"" << ly << "\" stroke=\"#4c78a8\" stroke-opacity=\"0.5\"/>"
    << "<text x=\"66\" y=\"" << ly + 4 << "\">leaf-set link</text>\n"
    << "<line x1=\"170\" y1=\"" << ly << "\" x2=\"200\" y2=\"" << ly << "\" stroke=\"#d62728\" stroke-width=\"2.5\"/>"
    << "<text x=\"206\" y=\"" << ly + 4 << "\">search path</text>\n"
    << "<circle cx=\"310\" cy=\"" << ly << "\" r=\"6\" fill=\"#2ca02c\"/><text x=\"320\" y=\"" << ly + 4
    << "\">searching node</text>\n"
    << "<circle cx=\"440\" cy=\"" << ly << "\" r=\"6\" fill=\"#d62728\"/><text x=\"450\" y=\"" << ly + 4
    << "\">owner of the key</text>\n"
    << "<text x=\"30\" y=\"" << ly + 28 << "\">" << escape(p.caption) << "</text>\n"
    << "<text x=\"30\" y=\"" << ly + 46 << "\">" << escape(p.caption2) << "</text>\n</g>\n";
  s << "</svg>\n";
  return s.str();
}

}  // namespace drt::tool::demo
