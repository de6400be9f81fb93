fn main() {
    std::process::exit(blastradius::cli::main());
}
