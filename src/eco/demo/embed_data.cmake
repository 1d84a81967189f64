# Embeds the eco data files (profiles and example tables) into OUT as
# riverlink::eco::demo::bundled_files(): {relative name, text}.
set(body "#include <string_view>\n#include <utility>\n#include <vector>\nnamespace riverlink::eco::demo {\nconst std::vector<std::pair<std::string_view, std::string_view>>& bundled_files() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> v = {\n")
foreach(f ${FILES})
  file(RELATIVE_PATH rel ${BASE} ${f})
  file(READ ${f} text)
  string(APPEND body "    {\"${rel}\", R\"rleco(${text})rleco\"},\n")
endforeach()
string(APPEND body "  };\n  return v;\n}\n}  // namespace riverlink::eco::demo\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
