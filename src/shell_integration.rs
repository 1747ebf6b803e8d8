//! `termgate shell-integration bash|zsh|fish`: the two lines that make a
//! shell send the marks the command history is built from (OSC 133 A/B/C/D
//! and OSC 7, see `term::screen::shell`).
//!
//! termgate only prints them: the user adds them to the end of their own rc
//! file (`termgate shell-integration bash >> ~/.bashrc`). Rewriting someone's
//! rc file is theirs to do, and a shell they did not change keeps working
//! exactly as before. Each snippet is safe to source twice (it hooks once)
//! and keeps `$?` for the user's own prompt code.

use clap::ValueEnum;

/// The shells with a snippet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// bash: `PS0` says a command starts (`C`); `PROMPT_COMMAND` first says
/// how the last one ended (`D;$?`, while `$?` is still its status) and the
/// folder, and last wraps `PS1` in `A`/`B` (last, so a `PROMPT_COMMAND` that
/// rebuilds `PS1` is wrapped too; `\[ \]` keep readline's width right).
pub const BASH: &str = r#"__termgate_prompt() { local s=$?; printf '\e]133;D;%s\a\e]7;file://%s%s\a' "$s" "$HOSTNAME" "${PWD//\%/%25}"; return $s; }; __termgate_ps1() { [[ $PS1 == *'133;B'* ]] || PS1="\[\e]133;A\a\]$PS1\[\e]133;B\a\]"; }
[[ $PROMPT_COMMAND == *__termgate_prompt* ]] || { PROMPT_COMMAND="__termgate_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND};__termgate_ps1"; PS0="\e]133;C\a$PS0"; }
"#;

/// zsh: the same marks from `precmd` (first, for `$?`; the `PS1` wrap
/// last) and `preexec`; `%{ %}` keep the prompt's width right.
pub const ZSH: &str = r#"__termgate_precmd() { local s=$?; printf '\e]133;D;%s\a\e]7;file://%s%s\a' $s $HOST ${PWD//\%/%25}; return $s; }; __termgate_ps1() { [[ $PS1 == *'133;B'* ]] || PS1=$'%{\e]133;A\a%}'$PS1$'%{\e]133;B\a%}'; }; __termgate_preexec() { printf '\e]133;C\a'; }
(( ${precmd_functions[(I)__termgate_precmd]} )) || { precmd_functions=(__termgate_precmd $precmd_functions __termgate_ps1); preexec_functions+=(__termgate_preexec); }
"#;

/// fish 3 (fish 4 sends OSC 133 itself: the second line is skipped there,
/// or every command would count twice): the folder on each prompt, `C` and
/// `D` from the exec events, `A`/`B` around the user's own `fish_prompt`.
pub const FISH: &str = r#"function __termgate_cwd --on-event fish_prompt; printf '\e]7;file://%s%s\a' $hostname (string replace -a % %25 -- $PWD); end
if string match -qr '^[0-3]\.' $version; and not functions -q __termgate_prompt; functions -c fish_prompt __termgate_prompt; function __termgate_c --on-event fish_preexec; printf '\e]133;C\a'; end; function __termgate_d --on-event fish_postexec; printf '\e]133;D;%s\a' $status; end; function __termgate_ret; return $argv[1]; end; function fish_prompt; set -l s $status; printf '\e]133;A\a'; __termgate_ret $s; __termgate_prompt; printf '\e]133;B\a'; end; end
"#;

/// The snippet for `shell`, two lines with their newlines.
pub fn snippet(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_is_two_lines() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let text = snippet(shell);
            assert_eq!(text.lines().count(), 2, "{shell:?}");
            assert!(text.ends_with('\n'));
        }
    }
}
