-- Streaming (SSE) chat completion; wrk times the full chunked response,
-- i.e. until the upstream's "data: [DONE]" chunk and terminator arrive.
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true}'
-- WRK_MODEL: another model name (the gateway-routing target sends a routing alias).
local model = os.getenv("WRK_MODEL")
if model and model ~= "" then wrk.body = wrk.body:gsub('"openai/gpt%-4o%-mini"', '"' .. model .. '"') end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_TOKEN") or "bench")
