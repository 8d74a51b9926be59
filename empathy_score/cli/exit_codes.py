"""The exit codes of ``empathy-score``, one set for every command (what each tells a script:
:mod:`empathy_score.cli`)."""

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2
EXIT_CRASH = 3  # the run itself failed, not one of its inputs
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # SIGTERM, as shells report it (128 + 15)
