"""Blocking checks that each mart, as stored, shows no count from 1 to 9."""

import dagster as dg

from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.marts import analyses
from chu_platform.marts.secrecy import leaks


def secrecy_check(name: str) -> dg.AssetChecksDefinition:
    secrecy = analyses.get(name).secrecy

    @dg.asset_check(asset=dg.AssetKey(["marts", name]), name="secrecy_applied", blocking=True)
    def check(settings: ChuSettings) -> dg.AssetCheckResult:
        """No published count of people or events between 1 and 9 (statistical secrecy)."""
        mart = delta_store.read(settings.table_uri("marts", name))
        bad = leaks(mart, secrecy)
        return dg.AssetCheckResult(
            passed=bad.is_empty(),
            metadata={
                "leaking_rows": dg.MetadataValue.int(bad.height),
                "sample": dg.MetadataValue.md(str(bad.head(5)) if bad.height else "none"),
            },
        )

    return check


consultations_by_establishment_secrecy = secrecy_check("consultations_by_establishment")
consultations_by_diagnosis_secrecy = secrecy_check("consultations_by_diagnosis")
hospitalisation_rate_secrecy = secrecy_check("hospitalisation_rate")
hospitalisations_by_diagnosis_secrecy = secrecy_check("hospitalisations_by_diagnosis")
hospitalisations_by_sex_age_secrecy = secrecy_check("hospitalisations_by_sex_age")
consultations_by_professional_secrecy = secrecy_check("consultations_by_professional")
deaths_by_region_secrecy = secrecy_check("deaths_by_region")
satisfaction_by_region_secrecy = secrecy_check("satisfaction_by_region")
