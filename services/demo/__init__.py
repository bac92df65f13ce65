"""A realistic demo council, loaded through the public API when `DEMO_DATA=1` (the `make run` default).

`council` holds its facts (areas, providers, rate cards, the packages in care, today's referrals),
`activity` the four weeks of visits its providers report, `loader` the calls that load it, once: a
suite that holds the demo already, or any other data, is left as it is. Demo users (password
`demo-password`) exist only with demo data; start-up logs their names.
"""

from services.demo.loader import (
    DEMO_PASSWORD,
    DEMO_USERS,
    PROVIDER_USER,
    demo_loaded_in_background,
    demo_wanted,
    load_demo_data,
)

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "PROVIDER_USER", "demo_loaded_in_background", "demo_wanted",
           "load_demo_data"]
