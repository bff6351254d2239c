"""What the license engine reads of a repo: its license files, and what its card says.

License files are read as texts; the card gives the declared ids, `license_name` and
`license_link`, its License section, the gated prompt, and body lines that name the license.
When the files cannot be read (a gated repo without a token), those card facts are what a
verdict can still rest on.
"""

from __future__ import annotations

from openness.card import Card
from openness.license.assess import CardMention, LicenseInputs, LicenseText
from openness.snapshot import Snapshot, license_files


def license_inputs(snapshot: Snapshot, card: Card) -> LicenseInputs:
    inputs = LicenseInputs(
        declared=card.declared_licenses,
        license_name=card.string("license_name"),
        license_link=card.string("license_link"),
        license_link_source=card.where("license_link"),
        card_source=card.data_source,
        card_unread=card.unread is not None,
    )
    for path in license_files(snapshot.files):
        text = snapshot.texts.get(path)
        if text is None:
            inputs.unread.append(path)
            continue
        inputs.texts.append(
            LicenseText(
                source=path,
                text=text.text,
                role=_role(path),
                url=snapshot.file_url(path),
                truncated=text.truncated,
            )
        )
    inputs.texts += _card_texts(snapshot, card)
    inputs.mentions = [
        CardMention(source=f"README.md:{m.line}", text=m.text, link_text=m.link_text, url=m.url)
        for m in card.license_mentions
    ]
    return inputs


def _role(path: str) -> str:
    upper = path.upper()
    if "USE_POLICY" in upper or "ACCEPTABLE" in upper or "USE-POLICY" in upper:
        return "aup"
    if upper.startswith("NOTICE"):
        return "notice"
    return "license"


def _card_texts(snapshot: Snapshot, card: Card) -> list[LicenseText]:
    out = []
    readme_url = snapshot.file_url("README.md")
    if card.gated_prompt is not None:
        prompt, line = card.gated_prompt
        out.append(
            LicenseText(
                # Where the README was read, point at its lines; else at the Hub's card data.
                source="README.md" if line else "model info: extra_gated_prompt",
                text=prompt,
                role="gated_prompt",
                first_line=line or 1,
                url=readme_url,
            )
        )
    section = card.license_section
    if section is not None:
        out.append(
            LicenseText(
                source="README.md",
                text=section.text,
                role="card",
                first_line=section.line,
                url=readme_url,
            )
        )
    return out
