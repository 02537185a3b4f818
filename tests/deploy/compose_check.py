#!/usr/bin/env python3
"""Structure check of deploy/compose.yaml without Docker: the YAML parses (with the merge keys it
uses), and the things the deployment relies on hold: MariaDB and two Billwright nodes behind a
proxy, every referenced service and secret defined, secrets delivered as files named after
their BILLWRIGHT_* variable, no secret value in an environment block, and start ordering that
runs migrations and the bootstrap key on one node first.

  tests/deploy/compose_check.py deploy/compose.yaml
"""
import os
import re
import sys

import yaml

SECRET_SETTINGS = {"BILLWRIGHT_SECRETS_MASTER_KEY", "BILLWRIGHT_DATABASE_URL"}
SECRET_WORDS = re.compile(r"PASSWORD|MASTER_KEY|DATABASE_URL|SECRET", re.IGNORECASE)


def main(path):
    errors = []

    def check(condition, message):
        if not condition:
            errors.append(message)

    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    check(isinstance(doc, dict), "the file is not a mapping")
    services = doc.get("services") or {}
    secrets = doc.get("secrets") or {}
    for name in ("mariadb", "billwright-1", "billwright-2", "proxy"):
        check(name in services, f"service {name} is missing")
    if errors:
        return report(path, errors)

    for name, service in services.items():
        check(isinstance(service, dict), f"{name}: not a mapping")
        check("image" in service or "build" in service, f"{name}: neither image nor build")
        depends = service.get("depends_on") or {}
        for dependency in depends:
            check(dependency in services, f"{name}: depends on unknown service {dependency}")
        for entry in service.get("secrets") or []:
            source = entry if isinstance(entry, str) else entry.get("source")
            check(source in secrets, f"{name}: unknown secret {source}")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for key, value in environment.items():
            if SECRET_WORDS.search(key) and not key.endswith("_FILE"):
                check(False, f"{name}: secret {key} is given in the environment")
        build = service.get("build")
        if isinstance(build, dict):
            dockerfile = os.path.join(os.path.dirname(path), build.get("context", "."),
                                      build.get("dockerfile", "Dockerfile"))
            check(os.path.isfile(dockerfile), f"{name}: no Dockerfile at {dockerfile}")

    for node in ("billwright-1", "billwright-2"):
        service = services[node]
        check(service.get("build", {}).get("dockerfile") == "deploy/Dockerfile",
              f"{node}: not built from deploy/Dockerfile")
        targets = {e.get("target") for e in service.get("secrets") or [] if isinstance(e, dict)}
        check(SECRET_SETTINGS <= targets,
              f"{node}: secrets must be mounted as {sorted(SECRET_SETTINGS)}, got {sorted(targets)}")
        check(services[node].get("depends_on", {}).get("mariadb", {}).get("condition")
              == "service_healthy", f"{node}: does not wait for a healthy MariaDB")
    check(services["billwright-2"]["depends_on"].get("billwright-1", {}).get("condition")
          == "service_healthy", "billwright-2 does not wait for billwright-1 (migrations)")
    check("healthcheck" in services["mariadb"], "mariadb has no healthcheck")
    check(any(str(p).endswith(":8080") for p in services["proxy"].get("ports") or []),
          "the proxy publishes no port 8080")
    for name, secret in secrets.items():
        check(isinstance(secret, dict) and "file" in secret, f"secret {name}: not a file secret")
    return report(path, errors)


def report(path, errors):
    for e in errors:
        print(f"compose_check: {path}: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"compose_check: {path}: YAML parses; services, secrets and ordering check out")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
