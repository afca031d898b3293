-- Non-streaming chat completion. The gateway strips the "openai/" prefix;
-- nginx and the fake upstream pass/ignore the model, so one body fits all.
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'
-- WRK_MODEL: another model name (the gateway-routing target sends a routing alias).
local model = os.getenv("WRK_MODEL")
if model and model ~= "" then wrk.body = wrk.body:gsub('"openai/gpt%-4o%-mini"', '"' .. model .. '"') end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_TOKEN") or "bench")
