namespace BriocheJob.Completion;

/// <summary>
/// The scripts <c>completion bash|zsh|fish|pwsh</c> prints. Each asks the tool's hidden <c>__complete</c> command for
/// candidates (one per line, <c>value TAB description</c>) and falls back to file names when there are none.
/// </summary>
public static class CompletionScripts
{
    public const string CommandName = "dotnet-brioche-job";
    public const string HiddenCommand = "__complete";

    public static readonly IReadOnlyList<string> Shells = ["bash", "zsh", "fish", "pwsh"];

    public static string? For(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "fish" => Fish,
        "pwsh" => Pwsh,
        _ => null,
    };

    private const string Bash = """
        # bash completion for dotnet-brioche-job. Install: echo 'source <(dotnet-brioche-job completion bash)' >> ~/.bashrc
        _dotnet_brioche_job() {
            local IFS=$'\n' line
            local -a lines
            lines=($("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
            COMPREPLY=()
            for line in "${lines[@]}"; do
                COMPREPLY+=("${line%%$'\t'*}")
            done
        }
        complete -o default -o nosort -F _dotnet_brioche_job dotnet-brioche-job

        """;

    private const string Zsh = """
        #compdef dotnet-brioche-job
        # zsh completion for dotnet-brioche-job. Install (after compinit): echo 'source <(dotnet-brioche-job completion zsh)' >> ~/.zshrc
        _dotnet_brioche_job() {
            local -a candidates lines
            local line
            lines=("${(@f)$("${words[1]}" __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            for line in "${lines[@]}"; do
                [[ -z "$line" ]] && continue
                if [[ "$line" == *$'\t'* ]]; then
                    candidates+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
                else
                    candidates+=("${line//:/\\:}")
                fi
            done
            if (( ${#candidates} )); then
                _describe -V 'brioche-job' candidates
            else
                _files
            fi
        }
        compdef _dotnet_brioche_job dotnet-brioche-job

        """;

    private const string Fish = """
        # fish completion for dotnet-brioche-job. Install: dotnet-brioche-job completion fish > ~/.config/fish/completions/dotnet-brioche-job.fish
        function __dotnet_brioche_job_complete
            set -l tokens (commandline -opc) (commandline -ct)
            $tokens[1] __complete -- $tokens[2..-1] 2>/dev/null
        end
        complete -c dotnet-brioche-job -k -f -a '(__dotnet_brioche_job_complete)'

        """;

    private const string Pwsh = """
        # PowerShell completion for dotnet-brioche-job. Install: dotnet-brioche-job completion pwsh | Out-String | Invoke-Expression  (add it to $PROFILE)
        Register-ArgumentCompleter -Native -CommandName dotnet-brioche-job -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
            if ($wordToComplete -eq '') { $words += '' }
            & $commandAst.CommandElements[0].ToString() __complete -- @words 2>$null | ForEach-Object {
                $value, $description = $_ -split "`t", 2
                if (-not $description) { $description = $value }
                [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $description)
            }
        }

        """;
}
