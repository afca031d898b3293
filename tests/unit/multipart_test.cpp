// The multipart/form-data parser of the media upload routes (http/multipart.h) and the model
// splice built on it (api/media_body.h).
#include <gtest/gtest.h>

#include <string>

#include "api/media_body.h"
#include "http/multipart.h"

namespace igw {
namespace {

std::string part(std::string_view boundary, std::string_view headers, std::string_view data) {
  return "--" + std::string(boundary) + "\r\n" + std::string(headers) + "\r\n\r\n" +
         std::string(data) + "\r\n";
}

std::string close(std::string_view boundary) {
  return "--" + std::string(boundary) + "--\r\n";
}

std::string_view content(std::string_view body, const MultipartPart& p) {
  return body.substr(p.data_begin, p.data_end - p.data_begin);
}

TEST(MultipartBoundary, QuotedUnquotedAndCase) {
  EXPECT_EQ(*multipartBoundary("multipart/form-data; boundary=abc123"), "abc123");
  EXPECT_EQ(*multipartBoundary("Multipart/Form-Data;BOUNDARY=\"a b:c?\""), "a b:c?");
  EXPECT_EQ(*multipartBoundary("multipart/form-data; charset=utf-8; boundary=----x"), "----x");
  // undici's FormData boundary
  EXPECT_EQ(*multipartBoundary("multipart/form-data; boundary=----formdata-undici-0123456789"),
            "----formdata-undici-0123456789");
}

TEST(MultipartBoundary, Refusals) {
  auto msg = [](std::string_view ct) { return multipartBoundary(ct).status().message(); };
  EXPECT_NE(msg("application/json").find("multipart/form-data"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data").find("no boundary"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=").find("empty"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=\"ab \"").find("not allowed"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=" + std::string(71, 'a')).find("not allowed"),
            std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=a<b").find("not allowed"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=a; boundary=b").find("twice"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=\"abc").find("unterminated"), std::string::npos);
  EXPECT_EQ(multipartBoundary("multipart/mixed; boundary=x").status().code(),
            Code::kInvalidArgument);
}

TEST(Multipart, FieldsAndAFileWithBinaryBytes) {
  // File content holding CR, LF, NUL, a near-boundary and a boundary without its CRLF.
  const std::string file("\x89PNG\r\n\x1a\n\0\r\n--B\r\n-X--BB\xff", 21);
  std::string body =
      part("BB", "Content-Disposition: form-data; name=\"model\"", "openai/dall-e-2") +
      part("BB",
           "Content-Disposition: form-data; name=\"image\"; filename=\"a \\\"b\\\".png\"\r\n"
           "Content-Type: image/png",
           file) +
      part("BB", "content-disposition: FORM-DATA; name=n", "2") + close("BB");
  auto parts = parseMultipart(body, "BB");
  ASSERT_TRUE(parts) << parts.status().message();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "model");
  EXPECT_FALSE((*parts)[0].has_filename);
  EXPECT_EQ(content(body, (*parts)[0]), "openai/dall-e-2");
  EXPECT_EQ((*parts)[1].name, "image");
  EXPECT_TRUE((*parts)[1].has_filename);
  EXPECT_EQ((*parts)[1].filename, "a \"b\".png");
  EXPECT_EQ((*parts)[1].content_type, "image/png");
  EXPECT_EQ(content(body, (*parts)[1]), file);
  EXPECT_EQ((*parts)[2].name, "n");
  EXPECT_EQ(content(body, (*parts)[2]), "2");
}

TEST(Multipart, PreambleEpilogueEmptyPartsAndPadding) {
  std::string body =
      "preamble text\r\n--B \t\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
      "\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n"
      "x\r\n--B--epilogue\r\n--B\r\n";
  auto parts = parseMultipart(body, "B");
  ASSERT_TRUE(parts) << parts.status().message();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ(content(body, (*parts)[0]), "");
  EXPECT_TRUE((*parts)[1].has_filename);
  EXPECT_EQ((*parts)[1].filename, "");
  EXPECT_EQ(content(body, (*parts)[1]), "x");
  auto none = parseMultipart("--B--\r\n", "B");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Multipart, MalformedBodiesSayWhat) {
  const std::string cd = "Content-Disposition: form-data; name=\"a\"";
  auto msg = [](std::string_view body) {
    auto r = parseMultipart(body, "B");
    EXPECT_FALSE(r) << body;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_NE(msg("").find("does not occur"), std::string::npos);
  EXPECT_NE(msg("--C\r\n").find("does not occur"), std::string::npos);
  EXPECT_NE(msg(part("B", cd, "v")).find("no closing boundary"), std::string::npos);
  EXPECT_NE(msg("--B\r\n" + cd + "\r\n\r\nv").find("no closing boundary"), std::string::npos);
  EXPECT_NE(msg("--B\r\n" + cd).find("empty line"), std::string::npos);
  EXPECT_NE(msg("--Bx\r\n" + cd + "\r\n\r\nv\r\n--B--").find("CRLF"), std::string::npos);
  EXPECT_NE(
      msg(part("B", "Content-Type: text/plain", "v") + close("B")).find("no Content-Disposition"),
      std::string::npos);
  EXPECT_NE(msg("--B\r\n\r\nv\r\n--B--").find("no Content-Disposition"), std::string::npos);
  EXPECT_NE(msg(part("B", "Content-Disposition: form-data", "v") + close("B")).find("no name"),
            std::string::npos);
  EXPECT_NE(msg(part("B", "Content-Disposition: attachment; name=a", "v") + close("B"))
                .find("must be form-data"),
            std::string::npos);
  EXPECT_NE(msg(part("B", cd + "\r\n folded", "v") + close("B")).find("folded"), std::string::npos);
  EXPECT_NE(msg(part("B", cd + "\r\nNoColon", "v") + close("B")).find("not a header line"),
            std::string::npos);
  EXPECT_NE(msg(part("B", cd + "\r\nX: a\nb", "v") + close("B")).find("bare CR"),
            std::string::npos);
  EXPECT_NE(msg(part("B", cd + "\r\n" + cd, "v") + close("B")).find("two Content-Disposition"),
            std::string::npos);
  EXPECT_NE(msg(part("B", "Content-Disposition: form-data; name=a; name=b", "v") + close("B"))
                .find("twice"),
            std::string::npos);
  EXPECT_NE(msg(part("B", "Content-Disposition: form-data; name=\"a", "v") + close("B"))
                .find("unterminated"),
            std::string::npos);
}

TEST(Multipart, Limits) {
  MultipartLimits limits;
  limits.max_parts = 2;
  limits.max_header_bytes = 100;
  limits.max_headers = 3;
  const std::string cd = "Content-Disposition: form-data; name=\"a\"";
  std::string three = part("B", cd, "1") + part("B", cd, "2") + part("B", cd, "3") + close("B");
  EXPECT_NE(parseMultipart(three, "B", limits).status().message().find("more than 2 parts"),
            std::string::npos);
  std::string big = part("B", cd + "\r\nX-Pad: " + std::string(200, 'p'), "1") + close("B");
  EXPECT_NE(parseMultipart(big, "B", limits).status().message().find("over 100 bytes"),
            std::string::npos);
  std::string many = part("B", cd + "\r\nA: 1\r\nB: 2\r\nC: 3", "1") + close("B");
  EXPECT_NE(parseMultipart(many, "B", limits).status().message().find("more than 3 header"),
            std::string::npos);
  EXPECT_TRUE(parseMultipart(part("B", cd, "1") + part("B", cd, "2") + close("B"), "B", limits));
}

const std::string kType = "multipart/form-data; boundary=XyZ";

std::string form(std::string_view model_part, std::string_view extra = {}) {
  return part("XyZ", "Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"",
              std::string("RIFF\0\r\n--XyW-\r\n", 15)) +
         std::string(model_part) + std::string(extra) + close("XyZ");
}

TEST(MediaBody, ModelFoundAndRenamedEveryOtherByteKept) {
  std::string model =
      part("XyZ", "Content-Disposition: form-data; name=\"model\"", "groq/whisper-large-v3");
  std::string stream = part("XyZ", "Content-Disposition: form-data; name=\"stream\"", "true");
  std::string body = form(model, stream);
  auto info = inspectMultipartBody(kType, body);
  ASSERT_TRUE(info) << info.status().message();
  EXPECT_EQ(info->model, "groq/whisper-large-v3");
  EXPECT_TRUE(info->stream);
  auto out = rewriteMultipartModel(body, *info, "whisper-large-v3");
  ASSERT_TRUE(out);
  std::string expected = body;
  expected.replace(info->model_begin, info->model_end - info->model_begin, "whisper-large-v3");
  EXPECT_EQ(*out, expected);
  auto again = inspectMultipartBody(kType, *out);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->model, "whisper-large-v3");
  EXPECT_EQ(rewriteMultipartModel(body, *info, "a\r\nb").status().code(), Code::kInvalidArgument);
}

TEST(MediaBody, Refusals) {
  const std::string model =
      part("XyZ", "Content-Disposition: form-data; name=\"model\"", "openai/whisper-1");
  auto msg = [](std::string_view ct, std::string_view body) {
    auto r = inspectMultipartBody(ct, body);
    EXPECT_FALSE(r) << body;
    return r.status().message();
  };
  EXPECT_NE(msg(kType, form("")).find("missing required form field 'model'"), std::string::npos);
  EXPECT_NE(msg(kType, form(part("XyZ", "Content-Disposition: form-data; name=model", "")))
                .find("missing"),
            std::string::npos);
  EXPECT_NE(msg(kType, form(model, model)).find("given twice"), std::string::npos);
  EXPECT_NE(
      msg(kType, form(part("XyZ", "Content-Disposition: form-data; name=model; filename=m", "x")))
          .find("not a file"),
      std::string::npos);
  EXPECT_NE(msg(kType, form(part("XyZ", "Content-Disposition: form-data; name=model", "a\tb")))
                .find("control"),
            std::string::npos);
  EXPECT_NE(
      msg(kType, form(model, part("XyZ", "Content-Disposition: form-data; name=stream", "yes")))
          .find("true or false"),
      std::string::npos);
  EXPECT_NE(msg("application/json", form(model)).find("multipart/form-data"), std::string::npos);
  EXPECT_NE(msg("multipart/form-data; boundary=other", form(model)).find("does not occur"),
            std::string::npos);
}

}  // namespace
}  // namespace igw
