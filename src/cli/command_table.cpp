// Every command with its options and help text: the dispatcher, `--help` and the completion
// scripts all read this one table.
#include "cli/commands.h"

namespace igw::cli {

namespace {

const Command kCommands[] = {
    {"init",
     "write the configuration file (gateway URL, API key, default model)",
     R"(Usage: infer init [--gateway URL] [--api-key KEY] [--model MODEL] [--admin-key KEY]
                  [--allow-command NAME]... [--no-confirm] [--force]

Writes the configuration file: $XDG_CONFIG_HOME/infer/config.json (or
~/.config/infer/config.json; --config FILE or INFER_CONFIG name another). Values not given
come from INFER_GATEWAY_URL, INFER_API_KEY, INFER_MODEL, INFER_ADMIN_KEY, else the defaults.
The file is JSON, readable only by you:
  {"gateway_url": "http://localhost:8080", "api_key": "sk-igw-...", "model": "openai/gpt-4o",
   "tools": {"allowed_commands": ["ls", "git"], "confirm": true}}

Options:
  --allow-command NAME   a program the model may run with --tools (comma-separated list)
  --no-confirm           run local tools without asking first
  --force                replace an existing file

Example:
  infer init --gateway http://localhost:8080 --model openai/gpt-4o-mini
)",
     {{"--allow-command"}, {"--force", "--no-confirm"}},
     runInit},
    {"status",
     "gateway health, providers, MCP servers and A2A agents",
     R"(Usage: infer status [--json]

Shows whether the gateway answers, each provider it knows (configured, reachable, how many
models), the MCP tools and A2A agents it offers (when it exposes them: MCP_EXPOSE / A2A_EXPOSE).

Options:
  --json   the same as one JSON object, for scripts
)",
     {{}, {"--json"}},
     runStatus},
    {"models",
     "list the models the gateway serves",
     R"(Usage: infer models [--provider ID] [--json]

One model per line, as "provider/model" (the names --model takes).

Options:
  --provider ID   only this provider's models (openai, anthropic, groq, ...)
  --json          the gateway's answer as it is

Example:
  infer models --provider openai
)",
     {{"--provider"}, {"--json"}},
     runModels},
    {"ask",
     "one question, the answer streamed",
     R"(Usage: infer ask [options] PROMPT...

Sends one message and streams the answer to stdout. When stdin is not a terminal it is read and
added to the prompt:  git diff | infer ask "review this"

Options:
  --model MODEL          provider/model (default: the configuration's "model", INFER_MODEL)
  --system TEXT          a system message
  --max-tokens N         cap on the answer's length
  --temperature T        sampling temperature (0-2)
  --json                 wait for the whole answer and print the gateway's JSON response
  --tools                let the model read files under the current directory and run the
                         commands allowed in the configuration (each shown and confirmed)

Example:
  infer ask --model openai/gpt-4o-mini "What is a monad?"
)",
     {{"--system", "--max-tokens", "--temperature"}, {"--json", "--tools"}},
     runAsk},
    {"chat",
     "interactive chat in the terminal",
     R"(Usage: infer chat [--model MODEL] [--system TEXT] [--max-tokens N] [--temperature T] [--tools]

An interactive conversation: answers are streamed, the session's history is sent with every
message. End a line with \ to continue on the next one; a line with only """ starts and ends a
block of several lines. Ctrl-C stops the current answer (the chat goes on); Ctrl-D or /exit
leaves.

Commands:
  /model [NAME]   show or switch the model
  /tools          the tools the gateway offers (MCP, A2A) and, with --tools, the local ones
  /clear          forget the conversation so far
  /save FILE      write the conversation to FILE (JSON)
  /exit           leave
)",
     {{"--system", "--max-tokens", "--temperature"}, {"--tools"}},
     runChat},
    {"keys",
     "manage gateway API keys (admin)",
     R"(Usage: infer keys create --name NAME [--team TEAM] [--models PATTERNS] [--expires-at UNIX] [--json]
       infer keys list [--json]
       infer keys revoke ID

Manages the gateway's own API keys through /admin/keys; needs the admin credential
(--admin-key, INFER_ADMIN_KEY or "admin_key" in the configuration; else the API key is used).
The secret of a new key is printed once.

Options:
  --name NAME          what the key is for
  --team TEAM          the team it is spent by
  --models PATTERNS    comma-separated model patterns it may use, e.g. "openai/*,groq/*"
  --expires-at UNIX    expiry as a Unix timestamp
  --json               the gateway's JSON answer

Example:
  infer keys create --name ci --team web --models 'openai/*'
)",
     {{"--name", "--team", "--models", "--expires-at"}, {"--json"}},
     runKeys},
    {"spend",
     "what was spent, by key, team, model or day (admin)",
     R"(Usage: infer spend [--key ID] [--team TEAM] [--model MODEL] [--from DATE] [--to DATE]
                   [--group-by key|team|model|day] [--json]

Totals (USD, requests, tokens) from the gateway's /admin/spend, optionally filtered and grouped.
Needs the admin credential. DATE as the gateway takes it (e.g. 2026-01-31).

Example:
  infer spend --team web --group-by model
)",
     {{"--key", "--team", "--from", "--to", "--group-by"}, {"--json"}},
     runSpend},
    {"completion",
     "print a shell completion script (bash or zsh)",
     R"(Usage: infer completion bash|zsh

Examples:
  source <(infer completion bash)                 # in ~/.bashrc
  infer completion zsh > "${fpath[1]}/_infer"     # then restart zsh
)",
     {{}, {}},
     runCompletion},
};

}  // namespace

std::span<const Command> commands() {
  return kCommands;
}

const Command* findCommand(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace igw::cli
