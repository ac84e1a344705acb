use std::process::ExitCode;

fn main() -> ExitCode {
    cpdfolio::cli::main()
}
