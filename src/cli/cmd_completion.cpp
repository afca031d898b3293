// infer completion bash|zsh: completion scripts generated from the command table.
#include "cli/commands.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

std::string words(const std::vector<std::string_view>& list) {
  std::string out;
  for (auto w : list) out += (out.empty() ? "" : " ") + std::string(w);
  return out;
}

std::string optionsOf(const Command& c) {
  const OptionSpec& g = globalOptions();
  std::string out = words(c.options.with_value) + " " + words(c.options.flags) + " " +
                    words(g.with_value) + " " + words(g.flags);
  return out;
}

std::string bash() {
  std::string names;
  for (const auto& c : commands()) names += (names.empty() ? "" : " ") + std::string(c.name);
  std::string s =
      "# bash completion for infer: source <(infer completion bash)\n"
      "_infer() {\n"
      "  local cur prev cmd i\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  cmd=\"\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n"
      "  done\n"
      "  case \"$prev\" in\n"
      "    --config|--system|--name|--team|--models|--from|--to|--key|--gateway|--api-key|"
      "--admin-key|--max-tokens|--temperature|--expires-at|--allow-command)\n"
      "      return ;;\n"
      "    --model)\n"
      "      COMPREPLY=($(compgen -W \"$(infer models 2>/dev/null)\" -- \"$cur\")); return ;;\n"
      "    --group-by)\n"
      "      COMPREPLY=($(compgen -W \"key team model day\" -- \"$cur\")); return ;;\n"
      "  esac\n"
      "  case \"$cmd\" in\n"
      "    \"\") COMPREPLY=($(compgen -W \"" +
      names + " help --help --version\" -- \"$cur\")) ;;\n";
  for (const auto& c : commands()) {
    std::string extra;
    if (c.name == "keys") extra = " create list revoke";
    if (c.name == "completion") extra = " bash zsh";
    s += "    " + std::string(c.name) + ") COMPREPLY=($(compgen -W \"" + optionsOf(c) + extra +
         "\" -- \"$cur\")) ;;\n";
  }
  s += "  esac\n}\ncomplete -F _infer infer\n";
  return s;
}

std::string zsh() {
  std::string s =
      "#compdef infer\n"
      "# zsh completion for infer: infer completion zsh > \"${fpath[1]}/_infer\"\n"
      "_infer() {\n"
      "  local -a cmds\n"
      "  cmds=(\n";
  for (const auto& c : commands()) {
    std::string summary(c.summary);
    for (auto& ch : summary) {
      if (ch == '\'' || ch == ':') ch = ' ';
    }
    s += "    '" + std::string(c.name) + ":" + summary + "'\n";
  }
  s += "  )\n"
       "  if (( CURRENT == 2 )); then\n"
       "    _describe 'command' cmds\n"
       "    return\n"
       "  fi\n"
       "  case \"$words[2]\" in\n";
  for (const auto& c : commands()) {
    std::string extra;
    if (c.name == "keys") extra = " create list revoke";
    if (c.name == "completion") extra = " bash zsh";
    s += "    " + std::string(c.name) + ") compadd -- " + optionsOf(c) + extra + " ;;\n";
  }
  s += "  esac\n}\ncompdef _infer infer 2>/dev/null || _infer \"$@\"\n";
  return s;
}

}  // namespace

int runCompletion(Context& ctx) {
  if (ctx.args.positionals.size() != 1) {
    return usageError("completion", "say which shell: bash or zsh");
  }
  const std::string& shell = ctx.args.positionals[0];
  if (shell == "bash") {
    writeOut(bash());
  } else if (shell == "zsh") {
    writeOut(zsh());
  } else {
    return usageError("completion", "no completion for '" + shell + "' (bash or zsh)");
  }
  return kExitOk;
}

}  // namespace igw::cli
