-- Non-streaming chat completion. The gateway strips the "openai/" prefix;
-- nginx and the fake upstream pass/ignore the model, so one body fits all.
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_TOKEN") or "bench")
