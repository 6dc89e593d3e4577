import type { Text } from '../i18n/lang.js';

/** Every word the tour shell shows, in both languages. */
export const S = {
  lessons: { en: 'Lessons', ko: '수업' },
  machine: { en: 'This machine', ko: '이 컴퓨터' },
  real: { en: 'REAL', ko: '실제 커널' },
  simulated: { en: 'SIMULATED', ko: '시뮬레이션' },
  realBadge: { en: 'REAL KERNEL', ko: '실제 커널' },
  simBadge: { en: 'SIMULATED KERNEL', ko: '시뮬레이션 커널' },
  why: { en: 'Why', ko: '이유' },
  needs: { en: 'Needs for real', ko: '실제로 실행하려면 필요' },
  keysList: { en: '↑↓ choose  Enter open  ? help  q quit', ko: '↑↓ 선택  Enter 열기  ? 도움말  q 종료' },
  keysHelp: { en: 'Esc/? close help  q quit', ko: 'Esc/? 도움말 닫기  q 종료' },
  keysLesson: { en: 'Esc back  ? help  q quit', ko: 'Esc 뒤로  ? 도움말  q 종료' },
  notYet: {
    en: 'The steps of this lesson are not written yet: they arrive with the tour. The list shows how it will run on this machine.',
    ko: '이 수업의 단계는 아직 작성되지 않았습니다. 투어와 함께 추가됩니다. 목록은 이 컴퓨터에서 어떻게 실행될지 보여 줍니다.',
  },
  helpTitle: { en: 'Help', ko: '도움말' },
  help: {
    en: 'glassbox shows how a container is made by making one, one kernel step at a time.\n\n↑/↓ or k/j  move in the list\nEnter       open a lesson\nEsc         go back\n?           this help\nq, Ctrl-C   quit (everything a lesson created is removed)\n\nREAL means the step runs on this machine\'s kernel; SIMULATED means it runs on a model kernel that answers as Linux would.',
    ko: 'glassbox는 컨테이너를 직접 만들면서, 커널 단계 하나하나로 컨테이너가 어떻게 만들어지는지 보여 줍니다.\n\n↑/↓ 또는 k/j  목록에서 이동\nEnter       수업 열기\nEsc         뒤로\n?           이 도움말\nq, Ctrl-C   종료(수업이 만든 것은 모두 정리됩니다)\n\n실제 커널은 이 컴퓨터의 커널에서 단계가 실행된다는 뜻이고, 시뮬레이션은 Linux처럼 답하는 모델 커널에서 실행된다는 뜻입니다.',
  },
} satisfies Record<string, Text>;
