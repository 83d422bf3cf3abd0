//! French public holidays against an independent implementation: PyPI `holidays`.

use crate::oracle::run_python;
use contracts::holidays::{Region, public_holidays};
use std::collections::BTreeSet;

const SCRIPT: &str = r#"
import holidays
for subdiv, name in ((None, "metropole"), ("57", "alsace_moselle")):
    for year in range(2000, 2101):
        days = holidays.France(years=year, subdiv=subdiv) if subdiv else holidays.France(years=year)
        print(name, year, " ".join(sorted(d.isoformat() for d in days)))
"#;

// clause: CTR-DEADLINE (working days are Monday to Friday minus French public holidays,
// Alsace-Moselle as an option)
#[test]
fn public_holidays_match_pypi_holidays_2000_to_2100() {
    let Some(out) = run_python("holidays", SCRIPT, "") else {
        return;
    };
    let mut checked = 0;
    for line in out.lines() {
        let mut parts = line.split(' ');
        let region = Region::from_code(parts.next().unwrap()).unwrap();
        let year: i16 = parts.next().unwrap().parse().unwrap();
        let expected: BTreeSet<String> = parts.filter(|p| !p.is_empty()).map(str::to_string).collect();
        let ours: BTreeSet<String> = public_holidays(year, region)
            .iter()
            .map(|(d, _)| d.to_string())
            .collect();
        assert_eq!(ours, expected, "{year} {region:?}");
        checked += 1;
    }
    assert_eq!(checked, 2 * 101, "every year of both calendars was compared");
}
