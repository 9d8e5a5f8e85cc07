from casebook.cli import main

# Guarded: the build's document workers start from a fork server, which imports the main
# module of the program that started them (as ``__mp_main__``); it must not run the command again.
if __name__ == "__main__":
    raise SystemExit(main())
