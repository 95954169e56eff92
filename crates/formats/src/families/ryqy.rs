//! RYQY — 区域信息, positioning areas with quotas (format spec §4.1).

use minesafe_model::{Area, AreaKind};

use crate::container::{opt, req, Fields, Record};
use crate::error::FieldError;

impl<'a> Record<'a> for Area {
    const FIELDS: usize = 4;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let k = req(f, 1, "区域类型")?;
        let kind = AreaKind::parse(k)
            .ok_or_else(|| FieldError::new(1, "区域类型", format!("expected 井口区域, 重点区域, 限制区域 or 其它区域, got {k:?}")))?;
        let q = opt(f, 3);
        let quota = if q.is_empty() {
            None
        } else {
            Some(q.parse::<u32>().map_err(|_| FieldError::new(3, "区域核定人数", format!("not a count: {q:?}")))?)
        };
        Ok(Area { kind, code: req(f, 2, "区域编码")?.to_string(), quota, name: opt(f, 4).to_string() })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out).s(self.kind.label()).s(&self.code).s(&self.quota.map(|q| q.to_string()).unwrap_or_default()).s(&self.name);
    }
}
