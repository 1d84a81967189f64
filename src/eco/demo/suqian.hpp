// Demo data: a deterministic generator of a Suqian-like region (宿迁, Jiangsu) for GEP and VEP
// runs. UTM zone 50N, 30 m pixels; a lowland plain with parts of Luoma Lake (骆马湖) in the north
// and Hongze Lake (洪泽湖) in the south-west, the Grand Canal, towns, poplar plantations and
// lake-shore marshes; administrative units are Suqian's five county-level divisions from
// core::Divisions (宿城区 宿豫区 沭阳县 泗阳县 泗洪县). The layout is Suqian's, scaled to the chosen
// grid size (the real city is about 4000 x 4800 px at 30 m; the default demo is a miniature).
// Every value is labelled demo; coefficients, prices and the profile are the bundled tables of
// src/eco/data (placeholders, [unverified]).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace riverlink::eco::demo {

struct SuqianOptions {
  int cols = 640;   // 30 m pixels: 640 x 720 = 19.2 x 21.6 km
  int rows = 720;
  std::uint64_t seed = 2026;
};
// Named sizes: "tiny" (64 x 72, for tests under ASan), "demo" (the default), "full" (about
// Suqian's real extent, 4000 x 4800).
Result<SuqianOptions> size_preset(std::string_view name);

struct DemoDataset {
  std::string dir;
  std::string run_file;          // run.json: baseline land cover
  std::string project_run_file;  // run_project.json: land cover after the VEP projects
  std::string parcels;           // parcels.geojson (field id, name)
  std::vector<std::string> files;
};

// Writes the dataset into dir (created; existing files are replaced). Same options, same bytes.
Result<DemoDataset> generate_suqian(const std::string& dir, const SuqianOptions& opt);

// The bundled data files (src/eco/data): {"profiles/ndrc_2022.json", text}, {"tables/...", text}.
const std::vector<std::pair<std::string_view, std::string_view>>& bundled_files();
// Writes the bundled files under dir (profiles/, tables/).
Status write_bundled(const std::string& dir);

}  // namespace riverlink::eco::demo
