"""The whole pipeline on one machine: moto server + shims + Lambda workers + HTTP API stand-in."""
