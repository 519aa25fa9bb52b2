"""Registration of volunteers and teams (科技志愿者 / 科技志愿服务组织注册), pure and file-based.

Seeds 002 and 004: who may register, the 总队 → 队 → 支队 → 分队 hierarchy and its naming
rules, and collective registration by spreadsheet template. No database, no GraphQL.

* :mod:`.vocab` — code ↔ Chinese label vocabularies (education, cohorts, skills, levels …)
* :mod:`.idcard`, :mod:`.phone`, :mod:`.normalize` — field parsers raising ``FieldError``
* :mod:`.naming` — ``check_name(name, level, parent_name)`` for team names
* :mod:`.table` — ``read_table(source, filename)`` for .xlsx / .csv uploads
* :mod:`.rows` — ``validate_volunteer_rows`` / ``validate_organization_rows``
* :mod:`.templates` — ``write_template(kind, path)`` and ``write_report(errors, path)``
"""
