# Embeds the text file IN as `std::string_view riverlink::embedded::divisions_csv()` in OUT.
file(READ ${IN} text)
set(body "#include <string_view>\nnamespace riverlink::embedded {\nstd::string_view divisions_csv() {\n  static const char data[] = R\"rlcsv(${text})rlcsv\";\n  return std::string_view(data, sizeof(data) - 1);\n}\n}  // namespace riverlink::embedded\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
