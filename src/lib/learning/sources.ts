/** The legal and policy sources lessons and questions may cite, and the article ranges we check. */
export const LAW_SOURCES = [
  '未成年人保护法',
  '强制报告意见',
  '民法典',
  '反家庭暴力法',
  '家庭教育促进法',
  '预防未成年人犯罪法',
  '义务教育法',
  '湖北十四五规划',
  '国务院意见',
  '民政部文件',
  '职业技能标准',
] as const;

/** Article ranges of the laws we cite by number (the 未成年人保护法 has 132 articles). */
export const ARTICLE_RANGES: Partial<Record<(typeof LAW_SOURCES)[number], [number, number]>> = {
  未成年人保护法: [1, 132],
  强制报告意见: [1, 22],
  民法典: [1, 1260],
  反家庭暴力法: [1, 38],
  家庭教育促进法: [1, 55],
  预防未成年人犯罪法: [1, 68],
  义务教育法: [1, 63],
};

