"""python -m goalplan: the same as the goalplan command."""

from goalplan.cli import main

main()
