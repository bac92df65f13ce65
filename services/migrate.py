"""`python -m services.migrate [service ...]`: bring each service's database to its latest schema."""

import argparse
import logging

from services.catalog import CATALOG, migrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", help="default: all of " + ", ".join(CATALOG))
    args = parser.parse_args()
    unknown = sorted(set(args.services) - set(CATALOG))
    if unknown:
        parser.error("unknown service(s): " + ", ".join(unknown))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    migrate(args.services or None)


if __name__ == "__main__":
    main()
