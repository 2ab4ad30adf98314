from scaffolder.cli import main

main()
