"""Look at an analysed article: a self-contained HTML view and displaCy's manual format.

Roles are highlighted with the Okabe-Ito palette (readable with the common forms of
colour blindness); every mark also carries a text label, and stance is drawn as an
underline whose style differs (pro solid, con dashed), so no information is in colour
alone. All input text is escaped; the page loads nothing from outside.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from argmine.labels import ROLES

if TYPE_CHECKING:
    from argmine.results import ArticleAnalysis

#: Okabe & Ito (2008) colours per role; ``none`` is left unhighlighted.
ROLE_COLOURS = {"claim": "#E69F00", "evidence": "#56B4E9", "warning": "#CC79A7"}

_CSS = """
.argmine-view { font-family: Georgia, 'Times New Roman', serif; line-height: 1.7; max-width: 46em; color: #222; }
.argmine-view .am-summary, .argmine-view .am-legend { font-family: Helvetica, Arial, sans-serif; font-size: 0.85em; }
.argmine-view .am-summary { border-bottom: 1px solid #ccc; padding-bottom: 0.5em; margin-bottom: 0.5em; }
.argmine-view .am-legend span { margin-right: 1em; white-space: nowrap; }
.argmine-view .am-text { white-space: pre-wrap; }
.argmine-view .am-s { border-radius: 3px; padding: 0 1px; }
.argmine-view .am-role-claim { background: rgba(230, 159, 0, 0.28); }
.argmine-view .am-role-evidence { background: rgba(86, 180, 233, 0.28); }
.argmine-view .am-role-warning { background: rgba(204, 121, 167, 0.30); }
.argmine-view .am-stance-pro { border-bottom: 3px solid #D55E00; }
.argmine-view .am-stance-con { border-bottom: 3px dashed #0072B2; }
.argmine-view .am-badge { font-family: Helvetica, Arial, sans-serif; font-size: 0.62em; color: #444;
  vertical-align: super; margin-left: 2px; white-space: nowrap; }
.argmine-view .am-key { display: inline-block; width: 1.6em; height: 0.9em; vertical-align: middle;
  border-radius: 2px; }
"""


def article_text(art: ArticleAnalysis) -> str:
    """The article's text: the original when the analysis kept it, else rebuilt from the
    sentences at their offsets (gaps become spaces, so offsets still hold)."""
    if art.text is not None:
        return art.text
    end = max((s.end for s in art.sentences), default=0)
    chars = [" "] * end
    for s in art.sentences:
        chars[s.start:s.end] = s.text
    return "".join(chars)


def _scores(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in scores.items())


def article_html(art: ArticleAnalysis, standalone: bool = True) -> str:
    """The article view: its own text, sentences highlighted by role and marked by stance,
    scores on hover, a legend and the summary at the top.

    Args:
        art: an analysis (from ``Miner.analyze``, which keeps the text, or rebuilt).
        standalone: a whole HTML page (True) or a fragment for Jupyter (False).
    """
    text = article_text(art)
    pieces, last = [], 0
    for i, s in enumerate(art.sentences):
        pieces.append(escape(text[last:s.start]))
        role, stance = escape(s.role), escape(s.stance)
        classes = f"am-s am-role-{role} am-stance-{stance}"
        hover = f"role: {_scores(s.role_scores)} | stance: {_scores(s.stance_scores)}"
        if s.truncated:
            hover += " | truncated: only its beginning was read"
        marks = [s.role] if s.role != "none" else []
        if s.stance != "neutral":
            marks.append(s.stance)
        badge = f'<span class="am-badge">{escape(" · ".join(marks))}</span>' if marks else ""
        pieces.append(f'<span class="{classes}" data-sentence="{i}" data-role="{role}" '
                      f'data-stance="{stance}" title="{escape(hover)}">{escape(text[s.start:s.end])}{badge}</span>')
        last = s.end
    pieces.append(escape(text[last:]))
    summary = art.summary
    counts = ", ".join(f"{k} {v}" for k, v in {**summary.role_counts, **summary.stance_counts}.items())
    title = escape(art.doc_id or "article")
    legend = " ".join([  # spaces between the items let the legend wrap
        *(f'<span><span class="am-key am-role-{r}"></span> {r}</span>' for r in ROLES if r in ROLE_COLOURS),
        '<span>none: not highlighted</span>',
        '<span><span class="am-stance-pro">pro</span> for escalation (solid underline)</span>',
        '<span><span class="am-stance-con">con</span> against escalation (dashed underline)</span>',
        '<span>neutral: no underline</span>',
    ])
    body = (f'<div class="argmine-view">'
            f'<div class="am-summary"><strong>{title}</strong>: {summary.n_sentences} sentences; {counts}; '
            f'escalation balance {summary.escalation_balance:+.2f}</div>'
            f'<div class="am-legend">{legend}</div>'
            f'<div class="am-text">{"".join(pieces)}</div></div>')
    style = f"<style>{_CSS}</style>"
    if not standalone:
        return style + body
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'{style}</head><body>{body}</body></html>\n')


def displacy_dict(art: ArticleAnalysis) -> dict:
    """The dict ``spacy.displacy.render(d, style="ent", manual=True)`` takes: one span per
    argumentative sentence, labelled ``ROLE STANCE`` (e.g. ``CLAIM PRO``)."""
    ents = [{"start": s.start, "end": s.end, "label": f"{s.role} {s.stance}".upper()}
            for s in art.sentences if s.role != "none"]
    return {"text": article_text(art), "ents": ents, "title": art.doc_id}


__all__ = ["ROLE_COLOURS", "article_html", "article_text", "displacy_dict"]
