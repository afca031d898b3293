-- Streaming (SSE) chat completion; wrk times the full chunked response,
-- i.e. until the upstream's "data: [DONE]" chunk and terminator arrive.
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_TOKEN") or "bench")
