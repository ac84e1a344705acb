//! The benchmark corpus: reflective text of about 150 words in the
//! vocabulary occupational therapists write in, generated from a seed so
//! that every engine indexes and queries exactly the same text.

const WORDS: [&str; 96] = [
    "occupational",
    "therapy",
    "assessment",
    "goal",
    "routine",
    "sleep",
    "anxiety",
    "graded",
    "activity",
    "exposure",
    "falls",
    "frailty",
    "home",
    "visit",
    "carer",
    "family",
    "group",
    "session",
    "supervision",
    "reflection",
    "learning",
    "practice",
    "evidence",
    "outcome",
    "measure",
    "COPM",
    "wellbeing",
    "vocational",
    "return",
    "work",
    "sensory",
    "processing",
    "pain",
    "fatigue",
    "energy",
    "pacing",
    "mood",
    "motivation",
    "confidence",
    "coping",
    "strategy",
    "community",
    "referral",
    "triage",
    "caseload",
    "risk",
    "safeguarding",
    "consent",
    "capacity",
    "discharge",
    "plan",
    "equipment",
    "adaptation",
    "bathroom",
    "kitchen",
    "transfer",
    "mobility",
    "seating",
    "cognition",
    "memory",
    "dementia",
    "stroke",
    "rehabilitation",
    "primary",
    "care",
    "network",
    "social",
    "prescribing",
    "coaching",
    "leadership",
    "student",
    "placement",
    "teaching",
    "audit",
    "quality",
    "improvement",
    "standard",
    "guidance",
    "NICE",
    "pathway",
    "telephone",
    "video",
    "clinic",
    "appointment",
    "person",
    "centred",
    "values",
    "balance",
    "meaningful",
    "roles",
    "habits",
    "environment",
    "task",
    "analysis",
    "feedback",
    "colleague",
];

/// Queries people would type: single words, pairs and a rarer term.
pub const QUERIES: [&str; 8] = [
    "sleep",
    "falls frailty",
    "graded exposure",
    "vocational",
    "pacing fatigue",
    "safeguarding",
    "dementia carer",
    "seating",
];

/// A small, fast generator (xorshift) so the corpus is the same every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        // A skewed pick: common words more often than rare ones.
        let r = (self.0 % 10_000) as usize;
        WORDS[(r * r / 10_000 * WORDS.len() / 10_000).min(WORDS.len() - 1)]
    }
}

/// About 150 words of text for record `i`.
pub fn text(i: usize) -> String {
    let mut words =
        Words(0x9e37_79b9_7f4a_7c15 ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let mut out = String::with_capacity(1100);
    for w in 0..150 {
        if w > 0 {
            out.push(if w % 15 == 0 { '.' } else { ' ' });
            if w % 15 == 0 {
                out.push(' ');
            }
        }
        out.push_str(words.next());
    }
    out.push('.');
    out
}

/// A short title for record `i`.
pub fn title(i: usize) -> String {
    let mut words = Words(0x2545_f491_4f6c_dd1d ^ i as u64 | 1);
    format!("{} {} {}", words.next(), words.next(), i)
}
